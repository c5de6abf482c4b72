"""The home page: where the person works and as what, the teams for those who
read them, and their open assessment rounds with progress. It lives here, not
in `convening`, because it reads the person's invitations."""

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render

from assessments.rating.selectors import open_participations
from convening.access import current_capabilities, current_organization, current_roles
from convening.models import Role
from convening.selectors import teams_for
from convening.web import AuthenticatedHttpRequest


def _role_labels(roles: set[str]) -> list[str]:
    return [str(role.label) for role in Role if role in roles]


@login_required
def home(request: AuthenticatedHttpRequest) -> HttpResponse:
    organization = current_organization(request)
    capabilities = current_capabilities(request)
    teams = teams_for(organization=organization) if organization and "team.read" in capabilities else None
    context = {
        "organization": organization,
        "capabilities": capabilities,
        "role_labels": _role_labels(current_roles(request)),
        "teams": teams,
        # Invitations, not roles, decide who rates: every person's open rounds,
        # in every organization, in one query whatever their number.
        "participations": list(open_participations(user=request.user)),
    }
    return render(request, "assessments/home/home.html", context)
