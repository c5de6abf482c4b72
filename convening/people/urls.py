from django.urls import path

from . import views

# Included by convening/org_urls.py, so under the namespace "convening".
urlpatterns = [
    path("organization/people/", views.people, name="people"),
    path("organization/people/<int:pk>/", views.person, name="person"),
    path("organization/people/<int:pk>/remove/", views.person_remove, name="person_remove"),
    path(
        "organization/people/invitations/<int:pk>/resend/",
        views.account_invitation_resend,
        name="account_invitation_resend",
    ),
    path(
        "organization/people/invitations/<int:pk>/revoke/",
        views.account_invitation_revoke,
        name="account_invitation_revoke",
    ),
    path("accounts/invitation/", views.account_invitation_accept, name="account_invitation_accept"),
    path("accounts/invitation/<str:token>/", views.account_invitation, name="account_invitation"),
]
