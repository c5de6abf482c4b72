from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from assessments.home import views as home_views
from assessments.rating import views as rating_views

from . import views

urlpatterns = [
    # The home page reads invitations, so it lives in assessments; its name stays "home".
    path("", home_views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    # The rating page's offline copy: served from the root so that its scope can cover /rounds/.
    path("rating-sw.js", rating_views.service_worker, name="rating_service_worker"),
    path("language/", views.language_set, name="language_set"),
    path("accounts/login/", views.LoginView.as_view(), name="login"),
    path("accounts/logout/", views.LogoutView.as_view(), name="logout"),
    path("accounts/password-reset/", views.PasswordResetView.as_view(), name="password_reset"),
    path("accounts/password-reset/sent/", auth_views.PasswordResetDoneView.as_view(), name="password_reset_done"),
    path(
        "accounts/reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path("accounts/reset/done/", auth_views.PasswordResetCompleteView.as_view(), name="password_reset_complete"),
    path("accounts/password/", auth_views.PasswordChangeView.as_view(), name="password_change"),
    path("accounts/password/done/", auth_views.PasswordChangeDoneView.as_view(), name="password_change_done"),
    path("", include("convening.org_urls")),
    path("", include("convening.two_factor.urls")),
    path("rubrics/", include("rubrics.urls")),
    path("", include("assessments.urls")),
    path("admin/", admin.site.urls),
]
if settings.SSO_ENABLED:
    urlpatterns.append(path("oidc/", include("mozilla_django_oidc.urls")))
