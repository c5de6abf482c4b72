from django.urls import path

from . import views

app_name = "assessments"

urlpatterns = [
    # Participants (assessments/views.py)
    path("r/<str:token>/", views.link, name="link"),
    path("my/rounds/", views.my_rounds, name="my_rounds"),
    path("rounds/<int:pk>/rate/", views.rate, name="rate"),
    path("rounds/<int:pk>/rate/<int:key_action_pk>/", views.rate_one, name="rate_one"),
    path("rounds/<int:pk>/submit/", views.submit, name="submit"),
]
