from __future__ import annotations

from collections.abc import Callable

from django.contrib.auth import BACKEND_SESSION_KEY
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.http import urlencode

from ..sso import BACKEND_PATH as SSO_BACKEND_PATH
from .selectors import two_factor_state

# Open to a signed-in person whose second factor is still to come: signing out, the language, the health
# check, and everything a stakeholder uses to rate (the personal link, the rating pages and their offline
# copy, a meeting's phone pages). A lead who is also invited to rate still rates from their link.
OPEN_VIEWS = frozenset(
    {
        "logout",
        "language_set",
        "healthz",
        "rating_service_worker",
        "assessments:link",
        "assessments:my_rounds",
        "assessments:rate",
        "assessments:rate_one",
        "assessments:submit",
        "assessments:rate_leave",
        "assessments:meeting_enter",
        "assessments:meeting_join",
        "assessments:meeting_email",
        "assessments:meeting_email_code",
        "assessments:meeting_phone",
        "assessments:meeting_phone_state",
        "assessments:meeting_answer",
        # Only moves an invitation's token into the session and redirects: the token never reaches the
        # code page's `next`, and accepting (convening:account_invitation_accept) still asks for the code.
        "convening:account_invitation",
    }
)
VERIFY_VIEWS = frozenset({"two_factor:verify"})
# A facilitator or lead whose organization requires it, and who has no app yet, may set one up.
SETUP_VIEWS = frozenset({"two_factor:manage", "two_factor:setup_start", "two_factor:setup"})


class TwoFactorMiddleware:
    """A session of someone asked for a second factor (they have an authenticator app, or an organization
    of theirs requires one) reaches only the open pages until the code is given: every other page, the
    admin's too, sends them to give it, or to set an app up. People without one, and sessions begun through
    single sign-on (whose provider asks its own), pass as before, without a query: the password backend
    read what this needs with the person."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self, request: HttpRequest, view_func: object, view_args: object, view_kwargs: object
    ) -> HttpResponse | None:
        user = request.user
        if not user.is_authenticated or request.session.get(BACKEND_SESSION_KEY) == SSO_BACKEND_PATH:
            return None
        state = two_factor_state(user)
        if not state.asked or user.is_verified():  # type: ignore[attr-defined]  # OTPMiddleware's
            return None
        name = request.resolver_match.view_name if request.resolver_match else ""
        allowed, target = (
            (VERIFY_VIEWS, "two_factor:verify") if state.has_device else (SETUP_VIEWS, "two_factor:manage")
        )
        if name in OPEN_VIEWS or name in allowed:
            return None
        # Back to the page asked for afterwards; a form posted meanwhile is not sent again.
        query = "?" + urlencode({"next": request.get_full_path()}) if request.method == "GET" else ""
        return HttpResponseRedirect(reverse(target) + query)
