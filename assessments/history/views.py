"""Results over time: a team's history, and the organization's overview of
every team (facilitators and leads)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from convening import languages
from convening.access import get_current_organization_for, get_team_for
from convening.web import AuthenticatedHttpRequest

from .charts import team_history_charts
from .forms import OverviewFilterForm
from .overview import organization_overview, overview_rubric_choices
from .selectors import team_history


@login_required
def team_history_view(request: AuthenticatedHttpRequest, team_pk: int) -> HttpResponse:
    team = get_team_for(request.user, team_pk, need="team.read")
    history = team_history(team=team, language=languages.current())
    context = {"team": team, "history": history, "sections": team_history_charts(history)}
    return render(request, "assessments/history/team_history.html", context)


def _start_of(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time.min, tzinfo=zone)


@login_required
def overview(request: HttpRequest) -> HttpResponse:
    organization = get_current_organization_for(request, need="team.read")
    form = OverviewFilterForm(request.GET or None, rubric_choices=overview_rubric_choices(organization=organization))
    filters = {}
    if form.is_bound and form.is_valid():
        # Dates are days where the organization works: "to" includes its whole day.
        zone = ZoneInfo(organization.time_zone)
        closed_from, closed_to = form.cleaned_data["closed_from"], form.cleaned_data["closed_to"]
        filters = {
            "rubric_slug": form.cleaned_data["rubric"],
            "closed_from": _start_of(closed_from, zone) if closed_from else None,
            "closed_before": _start_of(closed_to + timedelta(days=1), zone) if closed_to else None,
        }
    tables = organization_overview(organization=organization, language=languages.current(), **filters)
    context = {"organization": organization, "form": form, "tables": tables}
    return render(request, "assessments/overview/overview.html", context, status=400 if form.errors else 200)
