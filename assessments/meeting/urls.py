from django.urls import path

from . import views

urlpatterns = [
    path("rounds/<int:pk>/meeting/start/", views.meeting_start, name="meeting_start"),
    path("rounds/<int:pk>/meeting/", views.meeting_projector, name="meeting_projector"),
    path("rounds/<int:pk>/meeting/state/", views.meeting_projector_state, name="meeting_projector_state"),
    path("rounds/<int:pk>/meeting/control/", views.meeting_control, name="meeting_control"),
    path("rounds/<int:pk>/meeting/consensus/", views.meeting_consensus, name="meeting_consensus"),
    path("m/", views.meeting_enter, name="meeting_enter"),
    path("m/<str:code>/", views.meeting_join, name="meeting_join"),
    path("m/<str:code>/email/", views.meeting_email, name="meeting_email"),
    path("m/<str:code>/email/code/", views.meeting_email_code, name="meeting_email_code"),
    path("m/<str:code>/phone/", views.meeting_phone, name="meeting_phone"),
    path("m/<str:code>/phone/state/", views.meeting_phone_state, name="meeting_phone_state"),
    path("m/<str:code>/phone/answer/", views.meeting_answer, name="meeting_answer"),
]
