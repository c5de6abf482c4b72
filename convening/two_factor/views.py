from __future__ import annotations

from base64 import b32encode
from urllib.parse import quote

import django_otp
import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render, resolve_url
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST
from django_otp.plugins.otp_static.models import StaticDevice

from ..access import current_capabilities, get_current_organization_for
from ..web import AuthenticatedHttpRequest, add_service_errors, saved
from . import services
from .forms import CodeForm, SignInSecurityForm
from .selectors import (
    TwoFactorState,
    organizations_requiring_two_factor_of,
    recovery_codes_left,
    two_factor_state,
    unconfirmed_device_of,
)


def _state_of(request: AuthenticatedHttpRequest) -> TwoFactorState:
    """Stakeholders rate from their links and have nothing to protect with a second factor: 403."""
    state = two_factor_state(request.user)
    if not state.may_use:
        raise PermissionDenied
    return state


def _next_url(request: HttpRequest) -> str:
    given = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(given, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return given
    return resolve_url(settings.LOGIN_REDIRECT_URL)


@login_required
def manage(request: AuthenticatedHttpRequest) -> HttpResponse:
    state = _state_of(request)
    context = {
        "state": state,
        "codes_left": recovery_codes_left(request.user) if state.has_device else 0,
        "required_by": organizations_requiring_two_factor_of(request.user),
        "next": _next_url(request) if "next" in request.GET else "",
        "manages_organization": "team.manage" in current_capabilities(request),
    }
    return render(request, "convening/two_factor/manage.html", context)


@login_required
@require_POST
def setup_start(request: AuthenticatedHttpRequest) -> HttpResponse:
    _state_of(request)
    try:
        services.totp_device_start(user=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("two_factor:manage")
    query = "?" + urlencode({"next": _next_url(request)}) if request.POST.get("next") else ""
    return HttpResponseRedirect(reverse("two_factor:setup") + query)


@login_required
def setup(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The secret as a QR code and as text, and the code that confirms the app has it."""
    _state_of(request)
    device = unconfirmed_device_of(request.user)
    if device is None:
        return redirect("two_factor:manage")
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            confirmed, codes = services.totp_device_confirm(user=request.user, code=form.cleaned_data["code"])
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            # The code just typed is this session's second factor: no second prompt right after setting it up.
            django_otp.login(request, confirmed)
            request.session.cycle_key()
            messages.success(request, _("Two-factor sign-in is on."))
            return _recovery_codes_page(request, codes)
    secret = b32encode(device.bin_key).decode()
    context = {
        "form": form,
        "qr": _qr_svg(device.config_url),
        "secret": " ".join(secret[i : i + 4] for i in range(0, len(secret), 4)),
        "next": _next_url(request) if "next" in request.GET or "next" in request.POST else "",
    }
    return render(request, "convening/two_factor/setup.html", context, status=400 if form.errors else 200)


def _qr_svg(url: str) -> str:
    # segno writes the SVG itself and escapes the title; the URL is ours (the secret and the address).
    return mark_safe(  # noqa: S308
        segno.make(url, error="m").svg_inline(
            scale=4, dark="#000", light="#fff", border=2, title=_("QR code for your authenticator app")
        )
    )


def _recovery_codes_page(request: AuthenticatedHttpRequest, codes: list[str]) -> HttpResponse:
    """Shown in the answer to the request that made them, and on no page after: the person keeps them now
    (downloaded, printed or written down)."""
    shown = [f"{code[:4]}-{code[4:]}" for code in codes]
    text = "\n".join([_("Convening recovery codes for %(email)s") % {"email": request.user.email}, "", *shown, ""])
    context = {
        "codes": shown,
        "download": "data:text/plain;charset=utf-8," + quote(text),
        "next": _next_url(request),
    }
    return render(request, "convening/two_factor/recovery_codes.html", context)


@login_required
@require_POST
def recovery_codes_regenerate(request: AuthenticatedHttpRequest) -> HttpResponse:
    _state_of(request)
    try:
        codes = services.recovery_codes_regenerate(user=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("two_factor:manage")
    messages.success(request, _("New recovery codes were made: the old ones no longer work."))
    return _recovery_codes_page(request, codes)


@login_required
def disable(request: AuthenticatedHttpRequest) -> HttpResponse:
    state = _state_of(request)
    if not state.has_device:
        return redirect("two_factor:manage")
    form = CodeForm(request.POST or None)
    required_by = organizations_requiring_two_factor_of(request.user)
    if request.method == "POST" and form.is_valid():
        try:
            services.two_factor_disable(user=request.user, code=form.cleaned_data["code"])
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Two-factor sign-in is off."))
            return redirect("two_factor:manage")
    context = {"form": form, "required_by": required_by}
    return render(request, "convening/two_factor/disable.html", context, status=400 if form.errors else 200)


@login_required
def verify(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The second step of signing in, for a person with an authenticator app."""
    state = two_factor_state(request.user)
    if not state.has_device or request.user.is_verified():  # type: ignore[attr-defined]  # OTPMiddleware's
        return HttpResponseRedirect(_next_url(request))
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            device = services.code_verify(user=request.user, code=form.cleaned_data["code"])
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            django_otp.login(request, device)
            request.session.cycle_key()
            if isinstance(device, StaticDevice):
                left = recovery_codes_left(request.user)
                messages.warning(
                    request,
                    ngettext(
                        "You used a recovery code: %(count)d is left. Make new ones on your two-factor page.",
                        "You used a recovery code: %(count)d are left. Make new ones on your two-factor page.",
                        left,
                    )
                    % {"count": left},
                )
            return HttpResponseRedirect(_next_url(request))
    context = {"form": form, "next": _next_url(request)}
    return render(request, "convening/two_factor/verify.html", context, status=400 if form.errors else 200)


@login_required
def sign_in_security(request: AuthenticatedHttpRequest) -> HttpResponse:
    organization = get_current_organization_for(request, need="team.manage")
    form = SignInSecurityForm(
        request.POST or None,
        initial={
            "require_two_factor": organization.require_two_factor,
            "audit_retention_days": organization.audit_retention_days,
        },
    )
    if request.method == "POST":
        updated = saved(
            form,
            lambda data: services.organization_sign_in_security_update(
                organization=organization,
                by=request.user,
                require_two_factor=data["require_two_factor"],
                audit_retention_days=data["audit_retention_days"],
            ),
        )
        if updated is not None:
            messages.success(request, _("The sign-in security settings were saved."))
            return redirect("two_factor:sign_in_security")
    context = {"organization": organization, "form": form}
    return render(request, "convening/two_factor/sign_in_security.html", context, status=400 if form.errors else 200)
