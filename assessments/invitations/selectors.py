"""Reads of invitations: the live invitation a personal link opens, why a
dead one opens nothing, the people invited to a round with their status,
and what confirming a pasted list would do."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from django.db import models
from django.db.models import Case, Prefetch, QuerySet, Value, When
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from assessments.models import Invitation, MessageKind, MessageStatus, Round, RoundStatus, SentMessage
from assessments.rounds.selectors import invitation_has_rating
from convening import people_csv
from convening.models import StakeholderGroup, TeamMember
from convening.selectors import known_name, team_member_emails, team_members_for

from . import tokens


def invitation_link_path(invitation: Invitation) -> str:
    """The path of the link the invitation's stored hash opens (raises
    tokens.LinkKeyLost when its key was dropped from SECRET_KEY_FALLBACKS)."""
    token = tokens.link_token(invitation.pk, invitation.token_nonce, invitation.token_hash)
    if token is None:
        raise tokens.LinkKeyLost(invitation.pk)
    return reverse("assessments:link", args=[token])


def invitation_from_token(*, token: str) -> Invitation | None:
    """The live invitation a link points to, or None (unknown, revoked, or
    its round not open). The hash lookup is an indexed equality, so timing
    reveals nothing about near-misses."""
    return (
        Invitation.objects.select_related("round")
        .filter(token_hash=tokens.hash_token(token), revoked_at__isnull=True, round__status=RoundStatus.OPEN)
        .first()
    )


def link_problem(token: str) -> str:
    """Why a link that opens no page is dead, in words a parent understands."""
    token_hash = tokens.hash_token(token)
    invitation = Invitation.objects.select_related("round").filter(token_hash=token_hash).first()
    if invitation is None:
        # Said of the last link replaced only, and without naming whose it was: it may have reached the wrong person.
        if Invitation.objects.filter(replaced_token_hash=token_hash, revoked_at__isnull=True).exists():
            return _(
                "This link was replaced by a newer one, sent by e-mail to the person invited. Use the link in the "
                "latest invitation e-mail; if you cannot find it, ask the person who invited you to send it again."
            )
        return _("This link is not valid. Check that you copied the whole link from your e-mail.")
    if invitation.revoked_at is not None:
        return _("This invitation was withdrawn. If you think this is a mistake, contact the person who invited you.")
    if invitation.round.status == RoundStatus.DRAFT:
        return _("This round has not opened yet. Your link will work from the opening date.")
    return _("This round has closed. Thank you for your interest.")


def unsent_invitations(*, round: Round) -> QuerySet[Invitation]:
    """The round's live invitations whose invitation e-mail was never queued (or failed)."""
    sent_or_queued = SentMessage.objects.filter(kind=MessageKind.INVITATION).exclude(status=MessageStatus.FAILED)
    return round.invitations.filter(revoked_at__isnull=True).exclude(pk__in=sent_or_queued.values("invitation_id"))


class InviteeStatus(models.TextChoices):
    NOT_STARTED = "not_started", gettext_lazy("Not started")
    IN_PROGRESS = "in_progress", gettext_lazy("In progress")
    SUBMITTED = "submitted", gettext_lazy("Submitted")
    REVOKED = "revoked", gettext_lazy("Revoked")


def round_invitees(*, round: Round) -> list[Invitation]:
    """Everyone invited, with their status (`progress`, an InviteeStatus) and
    the e-mails sent to them, in three queries however many there are. Never
    their ratings: nobody sees one named person's answers."""
    invitations = (
        Invitation.objects.filter(round=round)
        .select_related("user", "stakeholder_group")
        .annotate(
            known_name=known_name(organization=round.organization),
            progress=Case(
                When(revoked_at__isnull=False, then=Value(InviteeStatus.REVOKED)),
                When(response__submitted_at__isnull=False, then=Value(InviteeStatus.SUBMITTED)),
                When(invitation_has_rating(), then=Value(InviteeStatus.IN_PROGRESS)),
                default=Value(InviteeStatus.NOT_STARTED),
            ),
        )
        .prefetch_related(Prefetch("messages", queryset=SentMessage.objects.order_by("created_at", "pk")))
        .order_by(Lower("known_name"), "user__email")
    )
    return [_with_status(invitation) for invitation in invitations]


def _with_status(invitation: Invitation) -> Invitation:
    invitation.progress = InviteeStatus(invitation.progress)  # type: ignore[attr-defined]  # annotated
    return invitation


def team_members_not_invited(*, round: Round) -> QuerySet[TeamMember]:
    """Members of the round's team without an invitation to it (a revoked one counts)."""
    return team_members_for(team=round.team).exclude(user__invitations__round=round)


class InviteRowStatus(models.TextChoices):
    JOIN = "join", gettext_lazy("Will join the team and be invited")
    INVITE = "invite", gettext_lazy("Will be invited")
    INVITED = "invited", gettext_lazy("Already invited")
    DUPLICATE = "duplicate", gettext_lazy("Duplicate, counted once")
    ERROR = "error", gettext_lazy("Error")


@dataclass
class InviteRow:
    """What confirming a pasted row would do to the round (and its team)."""

    row: people_csv.PersonRow
    status: InviteRowStatus
    group: StakeholderGroup | None
    messages: list[str] = field(default_factory=list)

    @property
    def is_error(self) -> bool:
        return self.status == InviteRowStatus.ERROR


def invitation_rows_check(*, round: Round, rows: list[people_csv.PersonRow]) -> list[InviteRow]:
    """The team import's checks of each row (e-mail, group, duplicates), then
    who is invited already; four queries whatever the number of rows."""
    revoked_by_email = dict(
        round.invitations.annotate(email_lower=Lower("user__email")).values_list("email_lower", "revoked_at")
    )
    members = team_member_emails(team=round.team)
    checked = []
    for result in people_csv.check_rows(team=round.team, rows=rows):
        if result.status in (people_csv.RowStatus.ERROR, people_csv.RowStatus.DUPLICATE):
            status = InviteRowStatus(result.status.value)
            checked.append(InviteRow(row=result.row, status=status, group=result.group, messages=result.messages))
            continue
        member = members.get(result.email)
        # Someone on the team is invited in the group they have there.
        group = member.stakeholder_group if member else result.group
        row = InviteRow(row=result.row, status=InviteRowStatus.JOIN, group=group)
        if result.email in revoked_by_email:
            row.status = InviteRowStatus.INVITED
            row.messages.append(
                _("Their invitation was revoked; it is not renewed.")
                if revoked_by_email[result.email]
                else _("Invited to this round already: not invited twice.")
            )
        elif member is not None:
            row.status = InviteRowStatus.INVITE
        if member is None and row.status == InviteRowStatus.INVITED:
            row.messages.append(_("Not on the team yet: will be added to it."))
        if member is not None and member.stakeholder_group != result.group:
            row.messages.append(
                _("On the team in the group “%(group)s”, which stays as it is.") % {"group": member.stakeholder_group}
            )
        checked.append(row)
    return checked


def invite_row_counts(rows: list[InviteRow]) -> dict[str, int]:
    counts = Counter(row.status for row in rows)
    return {status.value: counts[status] for status in InviteRowStatus}
