"""Facilitators' pages of assessment rounds: the team's rounds, creating and
editing one, and its page with the state changes.

Dates are typed and shown in the organization's time zone, whoever looks:
"opens at 9:00" means 9:00 where the team meets."""

from __future__ import annotations

from datetime import datetime
from functools import partial

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST

from assessments.access import get_round_for, get_round_with_capabilities_for
from assessments.exceptions import StateConflict
from assessments.invitations import services as invitation_services
from assessments.invitations.selectors import round_invitees, unsent_invitations
from assessments.models import Round, RoundStatus, StepStatus
from assessments.planning.selectors import open_steps_from_previous_rounds
from assessments.web import act, conflict_page, local_time
from convening import languages
from convening.access import Capability, get_team_for, get_team_with_capabilities_for
from convening.selectors import team_members_for
from convening.templatetags.dates import with_zone
from convening.web import AuthenticatedHttpRequest, add_service_errors, confirmation_page
from rubrics import localization

from . import services
from .forms import ReopenForm, RoundForm
from .selectors import (
    round_close_consequences,
    round_has_ratings,
    round_last_reminder,
    round_progress,
    team_rounds,
)


@login_required
def round_list(request: AuthenticatedHttpRequest, team_pk: int) -> HttpResponse:
    team, capabilities = get_team_with_capabilities_for(request.user, team_pk, need="team.read")
    context = {"team": team, "rounds": team_rounds(team=team), "capabilities": capabilities}
    with local_time(team.organization):
        return render(request, "assessments/rounds/list.html", context)


@login_required
def round_create(request: AuthenticatedHttpRequest, team_pk: int) -> HttpResponse:
    team = get_team_for(request.user, team_pk, need="round.manage")
    with local_time(team.organization):
        form = RoundForm(request.POST if request.method == "POST" else None, organization=team.organization)
        if form.is_bound and form.is_valid():
            try:
                with transaction.atomic():
                    round_ = services.round_create(team=team, created_by=request.user, **form.round_fields())
                    invited = []
                    if form.cleaned_data["invite_team"]:
                        invited = invitation_services.invitations_create(
                            round=round_,
                            invitees=invitation_services.invitees_of(team_members_for(team=team)),
                            by=request.user,
                        )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(
                    request,
                    ngettext(
                        "The round “%(name)s” is created, with %(count)d person invited.",
                        "The round “%(name)s” is created, with %(count)d people invited.",
                        len(invited),
                    )
                    % {"name": round_.name, "count": len(invited)},
                )
                return redirect("assessments:round_detail", pk=round_.pk)
        context = {"form": form, "team": team}
        return render(request, "assessments/rounds/form.html", context, status=400 if form.errors else 200)


@login_required
def round_edit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    round_ = get_round_for(request.user, pk, need="round.manage")
    with local_time(round_.organization):
        form = RoundForm(
            request.POST if request.method == "POST" else None,
            organization=round_.organization,
            round=round_,
            ratings_exist=round_has_ratings(round=round_),
        )
        if form.is_bound and form.is_valid():
            try:
                services.round_update(round=round_, by=request.user, **form.round_fields())
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("The round is saved."))
                return redirect("assessments:round_detail", pk=round_.pk)
        context = {"form": form, "team": round_.team, "round": round_}
        return render(request, "assessments/rounds/form.html", context, status=400 if form.errors else 200)


@login_required
def round_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    round_, capabilities = get_round_with_capabilities_for(request.user, pk, need="team.read")
    return _detail_page(request, round_, capabilities=capabilities)


def _detail_page(
    request: HttpRequest,
    round_: Round,
    *,
    capabilities: frozenset[Capability],
    reopen_form: ReopenForm | None = None,
    status: int = 200,
) -> HttpResponse:
    """The round's page. Leads see its numbers; the people invited, their
    e-mails and the actions are the facilitators'."""
    groups, total = round_progress(round=round_)
    language = languages.current()
    rubrics = list(localization.with_translation(round_.rubrics.order_by("round_rubrics__position"), language=language))
    localization.show_in(rubrics, language=language)
    context = {
        "round": round_,
        "team": round_.team,
        "rubrics": rubrics,
        "groups": groups,
        "total": total,
        "capabilities": capabilities,
        "invitations": round_invitees(round=round_) if "round.manage" in capabilities else [],
        "last_reminder": round_last_reminder(round=round_),
        "reopen_form": reopen_form or ReopenForm(organization=round_.organization),
        # The team's earlier plans follow it into this round, so progress on them is visible here.
        "previous_steps": open_steps_from_previous_rounds(round=round_),
        "step_statuses": StepStatus.choices,
        "return_to": "round",
        "results_visible": round_.status == RoundStatus.CLOSED or round_.results_revealed,
    }
    with local_time(round_.organization):
        return render(request, "assessments/rounds/detail.html", context, status=status)


def _when(round_: Round, moment: datetime) -> str:
    """With its zone, and never ending a sentence on "p.m." (with_zone)."""
    with local_time(round_.organization):
        return with_zone(moment)


@login_required
@require_http_methods(["GET", "POST"])
def round_open(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """GET: what opening sends; POST: open."""
    round_ = get_round_for(request.user, pk, need="round.manage")
    if request.method == "GET":
        if round_.status != RoundStatus.DRAFT:
            return conflict_page(request, round_, StateConflict(_("Only a draft round can be opened.")))
        to_send = unsent_invitations(round=round_).count()
        consequences = [
            ngettext(
                "Sends %(count)d invitation by e-mail now, each with its personal link.",
                "Sends %(count)d invitations by e-mail now, each with its personal link.",
                to_send,
            )
            % {"count": to_send}
            if to_send
            else _("Nobody is invited yet, so no e-mail goes out. People invited later get their link at once."),
            _("The links work until the round closes on %(closes)s.") % {"closes": _when(round_, round_.closes_at)},
            _("The rubrics and the anonymity threshold can no longer change once someone has rated."),
        ]
        return confirmation_page(
            request,
            title=_("Open “%(name)s” now?") % {"name": round_.name},
            consequences=consequences,
            submit_label=_("Open the round"),
            cancel_url=reverse("assessments:round_detail", args=[round_.pk]),
        )
    return act(
        request,
        round_,
        partial(services.round_open, round=round_, by=request.user),
        lambda _result: _("The round is open. Everyone invited gets their personal link by e-mail."),
    )


@login_required
@require_http_methods(["GET", "POST"])
def round_close(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """GET: who will and will not count if the round closes now; POST: close."""
    round_ = get_round_for(request.user, pk, need="round.manage")
    if request.method == "GET":
        if round_.status != RoundStatus.OPEN:
            return conflict_page(request, round_, StateConflict(_("Only an open round can be closed.")))
        return confirmation_page(
            request,
            title=_("Close “%(name)s” now?") % {"name": round_.name},
            consequences=_close_consequences(round_),
            submit_label=_("Close the round"),
            cancel_url=reverse("assessments:round_detail", args=[round_.pk]),
            danger=True,
        )
    return act(
        request,
        round_,
        partial(services.round_close, round=round_, by=request.user),
        lambda _result: _("The round is closed. Personal links no longer work."),
    )


def _close_consequences(round_: Round) -> list[str]:
    counts = round_close_consequences(round=round_)
    consequences = []
    if round_.closes_at > timezone.now():
        consequences.append(
            _("It closes early: it was to stay open until %(closes)s.") % {"closes": _when(round_, round_.closes_at)}
        )
    if counts.part_way:
        consequences.append(
            ngettext(
                "%(count)d person is part-way and will not count: answers not submitted are left out.",
                "%(count)d people are part-way and will not count: answers not submitted are left out.",
                counts.part_way,
            )
            % {"count": counts.part_way}
        )
    if counts.not_started:
        consequences.append(
            ngettext(
                "%(count)d person invited has not started and can no longer rate.",
                "%(count)d people invited have not started and can no longer rate.",
                counts.not_started,
            )
            % {"count": counts.not_started}
        )
    counted = counts.submitted + counts.on_paper
    consequences.append(
        ngettext("%(count)d response counts in the results.", "%(count)d responses count in the results.", counted)
        % {"count": counted}
    )
    consequences.append(_("Personal links stop working, and everyone invited is told the round has closed."))
    return consequences


@login_required
@require_POST
def round_reopen(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    round_, capabilities = get_round_with_capabilities_for(request.user, pk, need="round.manage")
    with local_time(round_.organization):
        form = ReopenForm(request.POST, organization=round_.organization)
        if form.is_valid():
            try:
                return act(
                    request,
                    round_,
                    partial(
                        services.round_reopen,
                        round=round_,
                        closes_at=form.cleaned_data["closes_at"],
                        by=request.user,
                    ),
                    lambda _result: _("The round is open again. Personal links work until the new closing date."),
                )
            except ValidationError as error:
                add_service_errors(form, error)
    return _detail_page(request, round_, capabilities=capabilities, reopen_form=form, status=400)


@login_required
@require_POST
def round_remind(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    round_ = get_round_for(request.user, pk, need="round.manage")
    return act(
        request,
        round_,
        partial(services.round_remind, round=round_),
        lambda count: (
            ngettext(
                "A reminder is on its way to %(count)d person who has not submitted.",
                "A reminder is on its way to %(count)d people who have not submitted.",
                count,
            )
            % {"count": count}
        ),
    )
