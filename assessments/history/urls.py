from django.urls import path

from . import views

urlpatterns = [
    path("teams/<int:team_pk>/history/", views.team_history_view, name="team_history"),
    path("overview/", views.overview, name="overview"),
]
