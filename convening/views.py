from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST
from django.views.i18n import set_language

from . import services
from .celery import app as celery_app
from .forms import ProfileForm
from .models import Role
from .selectors import (
    SESSION_ORGANIZATION_KEY,
    current_organization,
    get_organization_for,
    organizations_for,
    roles_in,
    teams_for,
)


@login_required
def home(request: HttpRequest) -> HttpResponse:
    organization = current_organization(request)
    roles = roles_in(user=request.user, organization_id=organization.pk) if organization else set()
    sees_teams = organization is not None and bool(roles & {Role.FACILITATOR, Role.LEAD})
    teams = teams_for(organization=organization) if sees_teams else None
    return render(request, "convening/home.html", {"organization": organization, "roles": roles, "teams": teams})


@require_GET
@never_cache
def healthz(request: HttpRequest) -> HttpResponse:
    """For load balancers and orchestrators: 200 when the database (and the
    broker, where one is configured) answers, 503 otherwise."""
    checks: dict[str, str] = {}
    healthy = True
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        checks["database"] = "ok"
    except Exception:  # noqa: BLE001 — any failure means unhealthy, and is reported as such
        checks["database"] = "error"
        healthy = False
    if settings.CELERY_BROKER_URL:
        try:
            with celery_app.connection_for_write() as conn:
                conn.ensure_connection(max_retries=1, timeout=2)
            checks["broker"] = "ok"
        except Exception:  # noqa: BLE001
            checks["broker"] = "error"
            healthy = False
    return JsonResponse({"status": "ok" if healthy else "error", **checks}, status=200 if healthy else 503)


@require_POST
def language_set(request: HttpRequest) -> HttpResponse:
    """Django's set_language, plus remembering the choice on the person's
    account so that it follows them to other devices and into e-mails."""
    language = request.POST.get("language", "")
    if request.user.is_authenticated and language in dict(settings.LANGUAGES):
        services.user_set_language(user=request.user, language=language)
    return set_language(request)


@login_required
@require_POST
def organization_switch(request: HttpRequest) -> HttpResponse:
    try:
        pk = int(request.POST.get("organization", ""))
    except ValueError:
        return HttpResponse(_("Choose an organization."), status=400)
    organization = get_organization_for(request.user, pk)
    request.session[SESSION_ORGANIZATION_KEY] = organization.pk
    messages.success(request, _("You are now working in %(name)s.") % {"name": organization.name})
    next_url = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
        next_url = "/"
    return HttpResponseRedirect(next_url)


@login_required
def profile(request: HttpRequest) -> HttpResponse:
    form = ProfileForm(request.POST or None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        services.user_update_profile(user=request.user, **form.cleaned_data)
        messages.success(request, _("Your profile was saved."))
        return redirect("convening:profile")
    memberships = organizations_for(user=request.user)
    return render(request, "convening/profile.html", {"form": form, "organizations": memberships})
