from django.urls import path

from . import views

app_name = "two_factor"

urlpatterns = [
    path("accounts/two-factor/", views.manage, name="manage"),
    path("accounts/two-factor/setup/start/", views.setup_start, name="setup_start"),
    path("accounts/two-factor/setup/", views.setup, name="setup"),
    path("accounts/two-factor/recovery-codes/", views.recovery_codes_regenerate, name="recovery_codes"),
    path("accounts/two-factor/turn-off/", views.disable, name="disable"),
    path("accounts/two-factor/verify/", views.verify, name="verify"),
    path("organization/sign-in-security/", views.sign_in_security, name="sign_in_security"),
]
