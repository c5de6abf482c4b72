"""Invitations: the personal link that opens a participant's session, and
the facilitators' pages that invite, revoke and resend."""

from __future__ import annotations

from functools import partial

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_ratelimit.core import is_ratelimited

from assessments.access import get_invitation_for, get_round_for, remember_participation
from assessments.exceptions import StateConflict
from assessments.models import Invitation, Response, Round
from assessments.web import act, conflict_page
from convening import languages, people_csv
from convening.client_address import client_rate_key
from convening.forms import TeamMembersConfirmForm, TeamMembersImportForm
from convening.selectors import person_name_in
from convening.services import user_adopt_language
from convening.web import AuthenticatedHttpRequest, confirmation_page

from . import services
from .forms import MembersInviteForm
from .selectors import (
    InviteRowStatus,
    invitation_from_token,
    invitation_rows_check,
    invite_row_counts,
    link_problem,
    team_members_not_invited,
)

LINK_RATE = "30/m"


@require_GET
def link(request: HttpRequest, token: str) -> HttpResponse:
    """Exchanges a personal link for a session, then redirects to a URL
    without the token, so it leaks into no history, log or Referer.

    Only a token that opens nothing counts against LINK_RATE, per client
    address behind the trusted proxies (`client_rate_key`): a meeting on one
    venue's network opens its valid links however many people it has, and a
    script guessing from there blocks no valid link (only, for the rest of
    the minute, the explanation of a dead one). Since a valid link always
    opens, the limit bounds what a scanner costs and learns; the tokens'
    256 bits are what make guessing hopeless. With the cache unreachable,
    failures go uncounted (RATELIMIT_FAIL_OPEN in the settings)."""
    invitation = invitation_from_token(token=token)
    if invitation is None:
        if is_ratelimited(request, group="assessments.link", key=client_rate_key, rate=LINK_RATE, increment=True):
            message = _("Too many attempts from your network. Wait a minute and try again.")
            return render(request, "assessments/link_problem.html", {"message": message}, status=429)
        message = link_problem(token)
        return render(request, "assessments/link_problem.html", {"message": message}, status=404)
    request.session.cycle_key()
    remember_participation(request, invitation)
    if invitation.user_id is not None:
        user_adopt_language(user_id=invitation.user_id, language=languages.current())
    return redirect("assessments:rate", pk=invitation.round_id)


@login_required
def invitations_add(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Two ways to invite: tick team members not invited yet, or paste or
    upload a list → preview (nothing saved) → confirm. A list's confirm step
    carries the previewed rows signed and checks them all again, since the
    team or the round may have changed in between."""
    round_ = get_round_for(request.user, pk, need="round.manage")
    data = request.POST if request.method == "POST" else None
    step = request.POST.get("step")
    if "payload" in request.POST:
        return _invitations_confirm(request, round_)
    members_form = MembersInviteForm(
        data if step == "members" else None, members=team_members_not_invited(round=round_)
    )
    list_form = TeamMembersImportForm(data if step == "list" else None, request.FILES if step == "list" else None)
    if step == "edit":
        # Back from the preview to correct the list: the form again, with the list as it was given.
        list_form = TeamMembersImportForm(initial={"text": request.POST.get("text", "")})
    if members_form.is_bound and members_form.is_valid():
        invitees = services.invitees_of(members_form.cleaned_data["members"])
        return act(
            request,
            round_,
            partial(services.invitations_create, round=round_, invitees=invitees, by=request.user),
            _invited,
        )
    if list_form.is_bound and list_form.is_valid():
        return _invitations_preview(request, round_, list_form.cleaned_data["rows"], list_form.cleaned_data["source"])
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
    request: HttpRequest, round_: Round, rows: list[people_csv.PersonRow], text: str, *, status: int = 200
) -> HttpResponse:
    """The preview; `text` is the list as given (an uploaded file's too), for correcting it without pasting it
    again."""
    checked = invitation_rows_check(round=round_, rows=rows)
    counts = invite_row_counts(checked)
    to_invite = counts[InviteRowStatus.JOIN] + counts[InviteRowStatus.INVITE]
    # The team import's signature is reused: its rows are the same, and
    # whatever page they are confirmed on, they are checked again.
    payload = people_csv.rows_sign(team=round_.team, rows=rows)
    context = {
        "round": round_,
        "team": round_.team,
        "rows": checked,
        "text": text,
        "counts": counts,
        "to_invite": to_invite,
        "confirm_form": TeamMembersConfirmForm(initial={"payload": payload}, team=round_.team)
        if to_invite and not counts[InviteRowStatus.ERROR]
        else None,
    }
    return render(request, "assessments/rounds/invitations_preview.html", context, status=status)


def _invitations_confirm(request: AuthenticatedHttpRequest, round_: Round) -> HttpResponse:
    confirm = TeamMembersConfirmForm(request.POST, team=round_.team)
    if not confirm.is_valid():
        members_form = MembersInviteForm(members=team_members_not_invited(round=round_))
        return _invitations_page(
            request,
            round_,
            members_form,
            TeamMembersImportForm(),
            confirm_errors=[str(error) for error in confirm.errors["payload"]],
        )
    rows = confirm.cleaned_data["payload"]
    try:
        return act(
            request,
            round_,
            partial(services.invitations_import, round=round_, rows=rows, by=request.user),
            lambda result: _invited(result[1]),
        )
    except ValidationError:
        # Something changed since the preview; it shows what.
        return _invitations_preview(request, round_, rows, people_csv.rows_text(rows), status=400)


@login_required
@require_http_methods(["GET", "POST"])
def invitation_revoke(request: AuthenticatedHttpRequest, pk: int, invitation_pk: int) -> HttpResponse:
    """GET: what revoking this invitation takes away; POST: revoke."""
    invitation = get_invitation_for(request.user, pk, invitation_pk)
    if request.method == "GET":
        return _revoke_confirmation(request, invitation)
    return act(
        request,
        invitation.round,
        partial(services.invitation_revoke, invitation=invitation, by=request.user),
        lambda _result: (
            _("The invitation of %(person)s is revoked: their link no longer works.")
            % {
                "person": person_name_in(organization=invitation.round.organization, user=invitation.user)
                if invitation.user
                else _("Walk-in")
            }
        ),
    )


def _revoke_confirmation(request: AuthenticatedHttpRequest, invitation: Invitation) -> HttpResponse:
    round_ = invitation.round
    if invitation.revoked_at is not None:
        return conflict_page(request, round_, StateConflict(_("This invitation was already revoked.")))
    who = (
        person_name_in(organization=round_.organization, user=invitation.user)
        if invitation.user
        else _("Walk-in, joined in the meeting")
    )
    consequences = [_("Their personal link stops working at once, and they receive no reminder.")]
    response = Response.objects.filter(invitation=invitation).first()
    if response is not None and response.submitted_at is not None:
        consequences.append(
            _(
                "Their submitted response is withdrawn: it no longer counts in the results, "
                "and a group it leaves too small is held back."
            )
        )
    elif response is not None and response.ratings.exists():
        consequences.append(_("What they have answered so far, not submitted, will not count."))
    consequences.append(_("This cannot be undone: to let them rate again, invite them once more."))
    return confirmation_page(
        request,
        title=_("Revoke the invitation of %(person)s?") % {"person": who},
        consequences=consequences,
        submit_label=_("Revoke the invitation"),
        cancel_url=reverse("assessments:round_detail", args=[round_.pk]),
        danger=True,
    )


@login_required
@require_POST
def invitation_resend(request: AuthenticatedHttpRequest, pk: int, invitation_pk: int) -> HttpResponse:
    invitation = get_invitation_for(request.user, pk, invitation_pk)
    new_link = request.POST.get("new_link") == "1"
    if new_link:
        success = _("A new link is on its way to %(email)s; the old one no longer works.")
    else:
        success = _("The invitation is on its way to %(email)s again.")
    return act(
        request,
        invitation.round,
        partial(services.invitation_resend, invitation=invitation, new_link=new_link, by=request.user),
        lambda _result: success % {"email": invitation.user.email if invitation.user else ""},
    )
