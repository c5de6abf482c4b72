"""The home page: where the person works and as what, their open assessment
rounds with progress, and what waits for them there: for facilitators, the
organization's rounds and steps that need them, for leads each team's latest
round and how it moved. It lives here, not in `convening`, because it reads
the person's invitations."""

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render

from assessments.rating.selectors import open_participations
from assessments.web import local_time
from convening import languages
from convening.access import current_capabilities, current_organization, current_roles
from convening.models import Role
from convening.selectors import teams_for
from convening.web import AuthenticatedHttpRequest

from .selectors import facilitator_home, lead_home


def _role_labels(roles: set[str]) -> list[str]:
    return [str(role.label) for role in Role if role in roles]


@login_required
def home(request: AuthenticatedHttpRequest) -> HttpResponse:
    organization = current_organization(request)
    capabilities = current_capabilities(request)
    context: dict[str, Any] = {
        "organization": organization,
        "capabilities": capabilities,
        "role_labels": _role_labels(current_roles(request)),
        # Invitations, not roles, decide who rates: every person's open rounds,
        # in every organization, in one query whatever their number.
        "participations": list(open_participations(user=request.user)),
    }
    if organization is None:
        return render(request, "assessments/home/home.html", context)
    if "round.manage" in capabilities:
        context["dashboard"] = facilitator_home(organization=organization, language=languages.current())
        context["teams"] = teams_for(organization=organization)
    elif "team.read" in capabilities:
        # Each team's card names the team: no list of teams beside them.
        context["team_latest"] = lead_home(organization=organization)
    with local_time(organization):
        return render(request, "assessments/home/home.html", context)
