from django.urls import path

from . import views

app_name = "convening"

urlpatterns = [
    path("accounts/profile/", views.profile, name="profile"),
    path("organizations/switch/", views.organization_switch, name="organization_switch"),
]
