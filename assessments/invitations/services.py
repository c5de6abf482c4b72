"""Writes of invitations: inviting people (one by one or from a list),
revoking, and sending again with or without a new link."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from assessments.audit.services import round_event
from assessments.exceptions import StateConflict
from assessments.mail.services import messages_queue
from assessments.models import Invitation, MessageKind, Round, RoundStatus, SentMessage
from assessments.results.releases import results_changed
from convening import people_csv
from convening import services as convening_services
from convening.models import AuditKind, StakeholderGroup, TeamMember, User
from convening.selectors import team_member_emails

from . import tokens


@dataclass(frozen=True)
class Invitee:
    user: User
    stakeholder_group: StakeholderGroup


def invitees_of(members: Iterable[TeamMember]) -> list[Invitee]:
    """Team members as invitees, each in the group they have on the team."""
    return [Invitee(user=member.user, stakeholder_group=member.stakeholder_group) for member in members]


def invitation_new_link(invitation: Invitation) -> None:
    """Gives the invitation a new personal link (not saved): a fresh nonce, and the hash of its token."""
    invitation.token_nonce = tokens.new_nonce()
    invitation.token_hash = tokens.hash_token(tokens.make_token(invitation.pk, invitation.token_nonce))


@transaction.atomic
def invitations_create(*, round: Round, invitees: Iterable[Invitee], by: User | None = None) -> list[Invitation]:
    """Invites people to the round; someone already invited is skipped, never
    invited twice. While the round is open the invitations go out at once."""
    if round.status == RoundStatus.CLOSED:
        raise StateConflict(_("People cannot be invited to a closed round."))
    # The round's row held until commit: a double click's second request reads
    # who is invited only after the first one committed.
    Round.objects.select_for_update().filter(pk=round.pk).first()
    invitees = list(invitees)
    foreign = [i for i in invitees if i.stakeholder_group.organization_id != round.organization_id]
    if foreign:
        raise ValidationError(_("A stakeholder group of another organization was given."))
    already = set(round.invitations.values_list("user_id", flat=True))
    created = []
    for invitee in invitees:
        if invitee.user.pk in already:
            continue
        already.add(invitee.user.pk)
        invitation = Invitation.objects.create(
            round=round,
            user=invitee.user,
            stakeholder_group=invitee.stakeholder_group,
            token_nonce="",
            token_hash=tokens.placeholder_hash(),
        )
        invitation_new_link(invitation)
        invitation.save(update_fields=["token_nonce", "token_hash"])
        created.append(invitation)
    if round.status == RoundStatus.OPEN:
        messages_queue(invitations=created, kind=MessageKind.INVITATION)
    if created:
        detail = ngettext("%(count)d person invited", "%(count)d people invited", len(created)) % {
            "count": len(created)
        }
        round_event(round=round, by=by, kind=AuditKind.INVITATIONS_ADDED, detail=detail)
    return created


@transaction.atomic
def invitation_revoke(*, invitation: Invitation, by: User | None = None, now: datetime | None = None) -> None:
    if not Invitation.objects.filter(pk=invitation.pk, revoked_at__isnull=True).update(
        revoked_at=now or timezone.now()
    ):
        raise StateConflict(_("This invitation was already revoked."))
    # Revoking withdraws a submitted response from the figures (SPEC §5.1).
    results_changed(round_id=invitation.round_id)
    invitation.refresh_from_db()
    _invitation_event(invitation, by=by, kind=AuditKind.INVITATION_REVOKED)


@transaction.atomic
def invitation_resend(*, invitation: Invitation, new_link: bool = False, by: User | None = None) -> SentMessage:
    """Sends the invitation again; with `new_link` the old link stops working
    (for a link that reached the wrong person)."""
    invitation = Invitation.objects.select_for_update().select_related("round").get(pk=invitation.pk)
    if invitation.revoked_at is not None:
        raise StateConflict(_("A revoked invitation cannot be sent."))
    if invitation.round.status != RoundStatus.OPEN:
        raise StateConflict(_("Invitations can only be sent while the round is open."))
    if invitation.is_walk_in:
        raise StateConflict(_("Someone who joined in the meeting left no address to send to."))
    if new_link:
        invitation.replaced_token_hash = invitation.token_hash
        invitation_new_link(invitation)
        invitation.save(update_fields=["token_nonce", "token_hash", "replaced_token_hash"])
    sent = messages_queue(invitations=[invitation], kind=MessageKind.INVITATION)[0]
    _invitation_event(invitation, by=by, kind=AuditKind.INVITATION_RESENT, new_link=new_link)
    return sent


def _invitation_event(invitation: Invitation, *, by: User | None, kind: AuditKind, new_link: bool = False) -> None:
    """Names the invitee by address (a walk-in has none: by their group), never by their answers."""
    who = invitation.user.email if invitation.user is not None else _("a walk-in")
    detail = _("%(who)s, with a new link") % {"who": who} if new_link else who
    round_event(round=invitation.round, by=by, kind=kind, detail=detail, subject=invitation)


@transaction.atomic
def invitations_import(
    *, round: Round, rows: Sequence[people_csv.PersonRow], by: User | None = None
) -> tuple[list[TeamMember], list[Invitation]]:
    """Invites everyone on the list, all or nobody: people not on the round's
    team yet join it first (through the team import, with its checks), so
    that the team stays the list of the people it convenes. Someone already
    invited is not invited twice. Returns (new team members, new invitations)."""
    added = convening_services.team_members_import(team=round.team, rows=rows, by=by)
    emails = {people_csv.normalize_email(row.email) for row in rows}  # valid: the import checked them
    members = team_member_emails(team=round.team)
    invitees = [
        Invitee(user=member.user, stakeholder_group=member.stakeholder_group)
        for email, member in members.items()
        if email in emails
    ]
    return added, invitations_create(round=round, invitees=invitees, by=by)
