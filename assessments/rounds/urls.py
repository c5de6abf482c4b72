from django.urls import path

from . import views

urlpatterns = [
    path("teams/<int:team_pk>/rounds/", views.round_list, name="round_list"),
    path("teams/<int:team_pk>/rounds/new/", views.round_create, name="round_create"),
    path("rounds/<int:pk>/", views.round_detail, name="round_detail"),
    path("rounds/<int:pk>/edit/", views.round_edit, name="round_edit"),
    path("rounds/<int:pk>/open/", views.round_open, name="round_open"),
    path("rounds/<int:pk>/close/", views.round_close, name="round_close"),
    path("rounds/<int:pk>/reopen/", views.round_reopen, name="round_reopen"),
    path("rounds/<int:pk>/remind/", views.round_remind, name="round_remind"),
]
