"""Facilitators' pages of assessment rounds: the team's rounds, creating and
editing one, its page with the state changes, and inviting people.

Dates are typed and shown in the organization's time zone, whoever looks:
"opens at 9:00" means 9:00 where the team meets."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any
from zoneinfo import ZoneInfo

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from convening import people_csv
from convening.forms import TeamMembersConfirmForm, TeamMembersImportForm
from convening.models import Organization, Role, TeamMember
from convening.selectors import TEAM_READERS, get_team_and_roles_for, get_team_for, team_members_for

from . import services
from .models import Round, RoundStatus, StepStatus
from .round_forms import MembersInviteForm, ReopenForm, RoundForm
from .selectors import (
    InviteRowStatus,
    get_invitation_for,
    get_round_and_roles_for,
    get_round_for,
    invitation_rows_check,
    invite_row_counts,
    open_steps_from_previous_rounds,
    round_invitees,
    round_progress,
    team_members_not_invited,
    team_rounds,
)


def _local_time(organization: Organization) -> timezone.override:
    return timezone.override(ZoneInfo(organization.time_zone))


def _invitees(members: list[TeamMember]) -> list[services.Invitee]:
    return [services.Invitee(user=member.user, stakeholder_group=member.stakeholder_group) for member in members]


def _add_service_errors(form: Any, error: ValidationError) -> None:
    """Shows a service's refusal on the form: beside the field it names when
    the form has that field, above the form otherwise."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for name, errors in error.error_dict.items():
        form.add_error(name if name in form.fields else None, errors)


def _conflict(request: HttpRequest, round_: Round, error: services.StateConflict) -> HttpResponse:
    """A state change that does not fit the round's state now (a second click,
    a page left open): 409, with the reason and the way back."""
    return render(request, "assessments/rounds/conflict.html", {"round": round_, "message": str(error)}, status=409)


def _act(request: HttpRequest, round_: Round, action: Callable[[], Any], success: Callable[[Any], str]) -> HttpResponse:
    """Runs one state change: on success back to the round's page with
    `success(result)` as the message, on a conflict the 409 page."""
    try:
        result = action()
    except services.StateConflict as error:
        return _conflict(request, round_, error)
    messages.success(request, success(result))
    return redirect("assessments:round_detail", pk=round_.pk)


# Rounds ------------------------------------------------------------------------


@login_required
def round_list(request: HttpRequest, team_pk: int) -> HttpResponse:
    team, roles = get_team_and_roles_for(request.user, team_pk, need=TEAM_READERS)
    context = {"team": team, "rounds": team_rounds(team=team), "can_manage": Role.FACILITATOR in roles}
    with _local_time(team.organization):
        return render(request, "assessments/rounds/list.html", context)


@login_required
def round_create(request: HttpRequest, team_pk: int) -> HttpResponse:
    team = get_team_for(request.user, team_pk, need=Role.FACILITATOR)
    with _local_time(team.organization):
        form = RoundForm(request.POST if request.method == "POST" else None, organization=team.organization)
        if form.is_bound and form.is_valid():
            try:
                with transaction.atomic():
                    round_ = services.round_create(team=team, created_by=request.user, **form.round_fields())
                    invited = []
                    if form.cleaned_data["invite_team"]:
                        invited = services.invitations_create(
                            round=round_, invitees=_invitees(team_members_for(team=team))
                        )
            except ValidationError as error:
                _add_service_errors(form, error)
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
def round_edit(request: HttpRequest, pk: int) -> HttpResponse:
    round_ = get_round_for(request.user, pk, need=Role.FACILITATOR)
    with _local_time(round_.organization):
        form = RoundForm(
            request.POST if request.method == "POST" else None,
            organization=round_.organization,
            round_=round_,
            ratings_exist=services.round_has_ratings(round_),
        )
        if form.is_bound and form.is_valid():
            try:
                services.round_update(round=round_, **form.round_fields())
            except ValidationError as error:
                _add_service_errors(form, error)
            else:
                messages.success(request, _("The round is saved."))
                return redirect("assessments:round_detail", pk=round_.pk)
        context = {"form": form, "team": round_.team, "round": round_}
        return render(request, "assessments/rounds/form.html", context, status=400 if form.errors else 200)


@login_required
def round_detail(request: HttpRequest, pk: int) -> HttpResponse:
    round_, roles = get_round_and_roles_for(request.user, pk, need=TEAM_READERS)
    return _detail_page(request, round_, can_manage=Role.FACILITATOR in roles)


def _detail_page(
    request: HttpRequest,
    round_: Round,
    *,
    can_manage: bool,
    reopen_form: ReopenForm | None = None,
    status: int = 200,
) -> HttpResponse:
    """The round's page. Leads see its numbers; the people invited, their
    e-mails and the actions are the facilitators'."""
    groups, total = round_progress(round_=round_)
    context = {
        "round": round_,
        "team": round_.team,
        "rubrics": round_.rubrics.order_by("round_rubrics__position"),
        "groups": groups,
        "total": total,
        "can_manage": can_manage,
        "invitations": round_invitees(round_=round_) if can_manage else [],
        "reopen_form": reopen_form or ReopenForm(organization=round_.organization),
        # The team's earlier plans follow it into this round, so progress on them is visible here.
        "previous_steps": open_steps_from_previous_rounds(round_),
        "step_statuses": StepStatus.choices,
        "can_edit": can_manage,
        "return_to": "round",
        "results_visible": round_.status == RoundStatus.CLOSED or round_.results_revealed,
    }
    with _local_time(round_.organization):
        return render(request, "assessments/rounds/detail.html", context, status=status)


@login_required
@require_POST
def round_open(request: HttpRequest, pk: int) -> HttpResponse:
    round_ = get_round_for(request.user, pk, need=Role.FACILITATOR)
    return _act(
        request,
        round_,
        partial(services.round_open, round=round_),
        lambda _result: _("The round is open. Everyone invited gets their personal link by e-mail."),
    )


@login_required
@require_POST
def round_close(request: HttpRequest, pk: int) -> HttpResponse:
    round_ = get_round_for(request.user, pk, need=Role.FACILITATOR)
    return _act(
        request,
        round_,
        partial(services.round_close, round=round_),
        lambda _result: _("The round is closed. Personal links no longer work."),
    )


@login_required
@require_POST
def round_reopen(request: HttpRequest, pk: int) -> HttpResponse:
    round_ = get_round_for(request.user, pk, need=Role.FACILITATOR)
    with _local_time(round_.organization):
        form = ReopenForm(request.POST, organization=round_.organization)
        if form.is_valid():
            try:
                return _act(
                    request,
                    round_,
                    partial(services.round_reopen, round=round_, closes_at=form.cleaned_data["closes_at"]),
                    lambda _result: _("The round is open again. Personal links work until the new closing date."),
                )
            except ValidationError as error:
                _add_service_errors(form, error)
    return _detail_page(request, round_, can_manage=True, reopen_form=form, status=400)


@login_required
@require_POST
def round_remind(request: HttpRequest, pk: int) -> HttpResponse:
    round_ = get_round_for(request.user, pk, need=Role.FACILITATOR)
    return _act(
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


# Invitations ---------------------------------------------------------------------


@login_required
def invitations_add(request: HttpRequest, pk: int) -> HttpResponse:
    """Two ways to invite: tick team members not invited yet, or paste or
    upload a list → preview (nothing saved) → confirm. A list's confirm step
    carries the previewed rows signed and checks them all again, since the
    team or the round may have changed in between."""
    round_ = get_round_for(request.user, pk, need=Role.FACILITATOR)
    data = request.POST if request.method == "POST" else None
    step = request.POST.get("step")
    if "payload" in request.POST:
        return _invitations_confirm(request, round_)
    members_form = MembersInviteForm(
        data if step == "members" else None, members=team_members_not_invited(round_=round_)
    )
    list_form = TeamMembersImportForm(data if step == "list" else None, request.FILES if step == "list" else None)
    if members_form.is_bound and members_form.is_valid():
        invitees = _invitees(members_form.cleaned_data["members"])
        return _act(request, round_, partial(services.invitations_create, round=round_, invitees=invitees), _invited)
    if list_form.is_bound and list_form.is_valid():
        return _invitations_preview(request, round_, list_form.cleaned_data["rows"])
    return _invitations_page(request, round_, members_form, list_form)


def _invitations_page(
    request: HttpRequest,
    round_: Round,
    members_form: MembersInviteForm,
    list_form: TeamMembersImportForm,
    *,
    confirm_errors: list[str] | None = None,
) -> HttpResponse:
    context = {
        "round": round_,
        "team": round_.team,
        "members_form": members_form,
        "list_form": list_form,
        "confirm_errors": confirm_errors,
        "max_rows": people_csv.MAX_ROWS,
        "max_megabytes": people_csv.MAX_BYTES // (1024 * 1024),
    }
    status = 400 if members_form.errors or list_form.errors or confirm_errors else 200
    return render(request, "assessments/rounds/invitations_add.html", context, status=status)


def _invited(invitations: list) -> str:
    return ngettext("%(count)d person is invited.", "%(count)d people are invited.", len(invitations)) % {
        "count": len(invitations)
    }


def _invitations_preview(
    request: HttpRequest, round_: Round, rows: list[people_csv.PersonRow], *, status: int = 200
) -> HttpResponse:
    checked = invitation_rows_check(round_=round_, rows=rows)
    counts = invite_row_counts(checked)
    to_invite = counts[InviteRowStatus.JOIN] + counts[InviteRowStatus.INVITE]
    # The team import's signature is reused: its rows are the same, and
    # whatever page they are confirmed on, they are checked again.
    payload = people_csv.rows_sign(team=round_.team, rows=rows)
    context = {
        "round": round_,
        "team": round_.team,
        "rows": checked,
        "counts": counts,
        "to_invite": to_invite,
        "confirm_form": TeamMembersConfirmForm(initial={"payload": payload}, team=round_.team)
        if to_invite and not counts[InviteRowStatus.ERROR]
        else None,
    }
    return render(request, "assessments/rounds/invitations_preview.html", context, status=status)


def _invitations_confirm(request: HttpRequest, round_: Round) -> HttpResponse:
    confirm = TeamMembersConfirmForm(request.POST, team=round_.team)
    if not confirm.is_valid():
        members_form = MembersInviteForm(members=team_members_not_invited(round_=round_))
        return _invitations_page(
            request, round_, members_form, TeamMembersImportForm(), confirm_errors=confirm.errors["payload"]
        )
    rows = confirm.cleaned_data["payload"]
    try:
        return _act(
            request,
            round_,
            partial(services.invitations_import, round=round_, rows=rows),
            lambda result: _invited(result[1]),
        )
    except ValidationError:
        # Something changed since the preview; it shows what.
        return _invitations_preview(request, round_, rows, status=400)


@login_required
@require_POST
def invitation_revoke(request: HttpRequest, pk: int, invitation_pk: int) -> HttpResponse:
    invitation = get_invitation_for(request.user, pk, invitation_pk)
    return _act(
        request,
        invitation.round,
        partial(services.invitation_revoke, invitation=invitation),
        lambda _result: (
            _("The invitation of %(person)s is revoked: their link no longer works.") % {"person": invitation.user}
        ),
    )


@login_required
@require_POST
def invitation_resend(request: HttpRequest, pk: int, invitation_pk: int) -> HttpResponse:
    invitation = get_invitation_for(request.user, pk, invitation_pk)
    new_link = request.POST.get("new_link") == "1"
    if new_link:
        success = _("A new link is on its way to %(email)s; the old one no longer works.")
    else:
        success = _("The invitation is on its way to %(email)s again.")
    return _act(
        request,
        invitation.round,
        partial(services.invitation_resend, invitation=invitation, new_link=new_link),
        lambda _result: success % {"email": invitation.user.email},
    )
