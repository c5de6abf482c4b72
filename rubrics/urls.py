from django.urls import path

from . import views

app_name = "rubrics"

urlpatterns = [
    path("", views.rubric_library, name="library"),
]
