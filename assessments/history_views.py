"""Results over time: a team's history, and the organization's overview of
every team (facilitators and leads)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from convening.selectors import TEAM_READERS, get_current_organization_for, get_team_for

from .history import organization_overview, overview_rubric_choices, team_history
from .history_charts import team_history_charts


@login_required
def team_history_view(request: HttpRequest, team_pk: int) -> HttpResponse:
    team = get_team_for(request.user, team_pk, need=TEAM_READERS)
    history = team_history(team=team)
    context = {"team": team, "history": history, "sections": team_history_charts(history)}
    return render(request, "assessments/history/team_history.html", context)


class OverviewFilterForm(forms.Form):
    rubric = forms.ChoiceField(
        label=gettext_lazy("Rubric"), required=False, widget=forms.Select(attrs={"class": "form-select"})
    )
    closed_from = forms.DateField(
        label=gettext_lazy("Rounds closed from"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date", "class": "form-control"}),
    )
    closed_to = forms.DateField(
        label=gettext_lazy("Rounds closed until"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date", "class": "form-control"}),
    )

    def __init__(self, *args, rubric_choices: list[tuple[str, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["rubric"].choices = [("", _("All rubrics")), *rubric_choices]

    def clean(self):
        data = super().clean()
        if data.get("closed_from") and data.get("closed_to") and data["closed_to"] < data["closed_from"]:
            self.add_error("closed_to", _("The end of the range must not be before its start."))
        return data


def _start_of(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time.min, tzinfo=zone)


@login_required
def overview(request: HttpRequest) -> HttpResponse:
    organization = get_current_organization_for(request, need=TEAM_READERS)
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
    tables = organization_overview(organization=organization, **filters)
    context = {"organization": organization, "form": form, "tables": tables}
    return render(request, "assessments/overview/overview.html", context, status=400 if form.errors else 200)
