from django.urls import path

from . import views

app_name = "rubrics"

# `import/` and `<slug>.json` come before `<slug>/`, which would otherwise claim them.
urlpatterns = [
    path("", views.rubric_library, name="library"),
    path("import/", views.rubric_import, name="import"),
    path("<slug:slug>.json", views.rubric_json, name="json"),
    path("<slug:slug>/", views.rubric_detail, name="detail"),
    path("<slug:slug>/translations/<str:language>/", views.rubric_translation, name="translation"),
]
