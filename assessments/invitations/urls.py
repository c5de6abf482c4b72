from django.urls import path

from . import views

urlpatterns = [
    path("r/<str:token>/", views.link, name="link"),
    path("rounds/<int:pk>/invitations/add/", views.invitations_add, name="invitations_add"),
    path("rounds/<int:pk>/invitations/<int:invitation_pk>/revoke/", views.invitation_revoke, name="invitation_revoke"),
    path("rounds/<int:pk>/invitations/<int:invitation_pk>/resend/", views.invitation_resend, name="invitation_resend"),
]
