"""Writes for rounds, invitations, ratings and e-mail. Every function validates
before it saves, runs in one transaction, and guards state changes with a
conditional UPDATE so that two workers or two clicks cannot both win."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import F, Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from convening.models import StakeholderGroup, Team, User
from rubrics.models import KeyAction, Level, Rubric

from . import tokens
from .models import (
    EVIDENCE_MAX_LENGTH,
    MIN_THRESHOLD,
    Invitation,
    MessageKind,
    MessageStatus,
    Rating,
    Response,
    Round,
    RoundRubric,
    RoundStatus,
    SentMessage,
)

logger = logging.getLogger(__name__)


class StateConflict(Exception):
    """The action does not fit the object's current state (answered as 409)."""


# Rounds ---------------------------------------------------------------------


def _validate_round_fields(
    *, team: Team, rubrics: Sequence[Rubric], opens_at: datetime, closes_at: datetime, threshold: int
) -> None:
    errors: dict[str, list[str]] = {}
    if not rubrics:
        errors.setdefault("rubrics", []).append(_("Choose at least one rubric."))
    foreign = [r for r in rubrics if r.organization_id not in (None, team.organization_id)]
    if foreign:
        errors.setdefault("rubrics", []).append(_("That rubric is not available to this organization."))
    if closes_at <= opens_at:
        errors.setdefault("closes_at", []).append(_("The closing date must be after the opening date."))
    if threshold < MIN_THRESHOLD:
        errors.setdefault("threshold", []).append(
            _("The anonymity threshold cannot be below %(min)d.") % {"min": MIN_THRESHOLD}
        )
    if errors:
        raise ValidationError(errors)


def _set_round_rubrics(round_: Round, rubrics: Sequence[Rubric]) -> None:
    RoundRubric.objects.filter(round=round_).delete()
    RoundRubric.objects.bulk_create(
        RoundRubric(round=round_, rubric=rubric, position=position) for position, rubric in enumerate(rubrics, 1)
    )
    # A rubric a round has used never changes again: results stay reproducible.
    Rubric.objects.filter(pk__in=[r.pk for r in rubrics], frozen=False).update(frozen=True)


@transaction.atomic
def round_create(
    *,
    team: Team,
    name: str,
    rubrics: Sequence[Rubric],
    opens_at: datetime,
    closes_at: datetime,
    threshold: int,
    share_results: bool = False,
    reminder_days_before: int | None = None,
    created_by: User | None = None,
) -> Round:
    _validate_round_fields(team=team, rubrics=rubrics, opens_at=opens_at, closes_at=closes_at, threshold=threshold)
    round_ = Round(
        organization_id=team.organization_id,
        team=team,
        name=name.strip(),
        opens_at=opens_at,
        closes_at=closes_at,
        threshold=threshold,
        share_results=share_results,
        reminder_days_before=reminder_days_before,
        created_by=created_by,
    )
    round_.full_clean()
    round_.save()
    _set_round_rubrics(round_, rubrics)
    return round_


def round_has_ratings(round_: Round) -> bool:
    return Rating.objects.filter(response__round=round_).exists()


@transaction.atomic
def round_update(
    *,
    round: Round,
    name: str,
    rubrics: Sequence[Rubric],
    opens_at: datetime,
    closes_at: datetime,
    threshold: int,
    share_results: bool,
    reminder_days_before: int | None,
) -> Round:
    round_ = Round.objects.select_for_update().get(pk=round.pk)
    _validate_round_fields(
        team=round_.team, rubrics=rubrics, opens_at=opens_at, closes_at=closes_at, threshold=threshold
    )
    current_rubric_ids = list(round_.round_rubrics.order_by("position").values_list("rubric_id", flat=True))
    rubrics_change = current_rubric_ids != [r.pk for r in rubrics]
    if (rubrics_change or threshold != round_.threshold) and round_has_ratings(round_):
        raise ValidationError(_("The rubrics and the anonymity threshold cannot change once ratings exist."))
    round_.name = name.strip()
    round_.opens_at, round_.closes_at = opens_at, closes_at
    round_.threshold = threshold
    round_.share_results = share_results
    round_.reminder_days_before = reminder_days_before
    round_.full_clean()
    round_.save()
    if rubrics_change:
        _set_round_rubrics(round_, rubrics)
    return round_


def _transition(round_id: int, *, source: str, target: str, now: datetime, **fields: object) -> bool:
    """Moves a round from `source` to `target` status; exactly one caller wins."""
    stamp = {"opened_at": now} if target == RoundStatus.OPEN else {"closed_at": now}
    return Round.objects.filter(pk=round_id, status=source).update(status=target, **stamp, **fields) == 1


@transaction.atomic
def round_open(*, round: Round, now: datetime | None = None) -> None:
    now = now or timezone.now()
    if not _transition(round.pk, source=RoundStatus.DRAFT, target=RoundStatus.OPEN, now=now):
        raise StateConflict(_("Only a draft round can be opened."))
    round.refresh_from_db()
    messages_queue(invitations=_unsent_invitations(round), kind=MessageKind.INVITATION)


@transaction.atomic
def round_close(*, round: Round, now: datetime | None = None) -> None:
    now = now or timezone.now()
    if not _transition(round.pk, source=RoundStatus.OPEN, target=RoundStatus.CLOSED, now=now):
        raise StateConflict(_("Only an open round can be closed."))
    round.refresh_from_db()
    messages_queue(invitations=round.invitations.filter(revoked_at__isnull=True), kind=MessageKind.ROUND_CLOSED)


@transaction.atomic
def round_reopen(*, round: Round, closes_at: datetime, now: datetime | None = None) -> None:
    now = now or timezone.now()
    if closes_at <= now:
        raise ValidationError({"closes_at": [_("The new closing date must be in the future.")]})
    reopened = _transition(
        round.pk,
        source=RoundStatus.CLOSED,
        target=RoundStatus.OPEN,
        now=now,
        closes_at=closes_at,
        closed_at=None,
        auto_reminder_sent_at=None,
    )
    if not reopened:
        raise StateConflict(_("Only a closed round can be reopened."))
    round.refresh_from_db()


def rounds_open_due(*, now: datetime | None = None) -> list[int]:
    """Opens every draft round whose opening time has come (Celery beat)."""
    now = now or timezone.now()
    opened = []
    for round_ in Round.objects.filter(status=RoundStatus.DRAFT, opens_at__lte=now, closes_at__gt=now):
        try:
            round_open(round=round_, now=now)
        except StateConflict:
            continue  # another worker or a facilitator got there first
        opened.append(round_.pk)
    return opened


def rounds_close_due(*, now: datetime | None = None) -> list[int]:
    now = now or timezone.now()
    closed = []
    for round_ in Round.objects.filter(status=RoundStatus.OPEN, closes_at__lte=now):
        try:
            round_close(round=round_, now=now)
        except StateConflict:
            continue
        closed.append(round_.pk)
    return closed


def rounds_remind_due(*, now: datetime | None = None) -> list[int]:
    """Sends the automatic reminder of each open round whose reminder day has
    come, once per opening (claimed by a conditional update)."""
    now = now or timezone.now()
    reminded = []
    candidates = Round.objects.filter(
        status=RoundStatus.OPEN, reminder_days_before__isnull=False, auto_reminder_sent_at__isnull=True
    )
    for round_ in candidates:
        if now < round_.closes_at - timedelta(days=round_.reminder_days_before):
            continue
        with transaction.atomic():
            claimed = Round.objects.filter(pk=round_.pk, auto_reminder_sent_at__isnull=True).update(
                auto_reminder_sent_at=now
            )
            if claimed:
                round_remind(round=round_)
                reminded.append(round_.pk)
    return reminded


@transaction.atomic
def round_remind(*, round: Round) -> int:
    """Reminds everyone invited who has not submitted; returns how many."""
    if round.status != RoundStatus.OPEN:
        raise StateConflict(_("Reminders can only be sent while the round is open."))
    pending = round.invitations.filter(revoked_at__isnull=True).exclude(response__submitted_at__isnull=False)
    return len(messages_queue(invitations=pending, kind=MessageKind.REMINDER))


# Invitations -----------------------------------------------------------------


@dataclass(frozen=True)
class Invitee:
    user: User
    stakeholder_group: StakeholderGroup


def _new_link(invitation: Invitation) -> None:
    invitation.token_nonce = tokens.new_nonce()
    invitation.token_hash = tokens.hash_token(tokens.make_token(invitation.pk, invitation.token_nonce))


@transaction.atomic
def invitations_create(*, round: Round, invitees: Iterable[Invitee]) -> list[Invitation]:
    """Invites people to the round; someone already invited is skipped, never
    invited twice. While the round is open the invitations go out at once."""
    if round.status == RoundStatus.CLOSED:
        raise StateConflict(_("People cannot be invited to a closed round."))
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
        _new_link(invitation)
        invitation.save(update_fields=["token_nonce", "token_hash"])
        created.append(invitation)
    if round.status == RoundStatus.OPEN:
        messages_queue(invitations=created, kind=MessageKind.INVITATION)
    return created


@transaction.atomic
def invitation_revoke(*, invitation: Invitation, now: datetime | None = None) -> None:
    if not Invitation.objects.filter(pk=invitation.pk, revoked_at__isnull=True).update(
        revoked_at=now or timezone.now()
    ):
        raise StateConflict(_("This invitation was already revoked."))
    invitation.refresh_from_db()


@transaction.atomic
def invitation_resend(*, invitation: Invitation, new_link: bool = False) -> SentMessage:
    """Sends the invitation again; with `new_link` the old link stops working
    (for a link that reached the wrong person)."""
    invitation = Invitation.objects.select_for_update().select_related("round").get(pk=invitation.pk)
    if invitation.revoked_at is not None:
        raise StateConflict(_("A revoked invitation cannot be sent."))
    if invitation.round.status != RoundStatus.OPEN:
        raise StateConflict(_("Invitations can only be sent while the round is open."))
    if new_link:
        _new_link(invitation)
        invitation.save(update_fields=["token_nonce", "token_hash"])
    return messages_queue(invitations=[invitation], kind=MessageKind.INVITATION)[0]


def invitation_link_path(invitation: Invitation) -> str:
    return reverse("assessments:link", args=[tokens.make_token(invitation.pk, invitation.token_nonce)])


def invitation_from_token(*, token: str) -> Invitation | None:
    """The live invitation a link points to, or None (unknown, revoked, or
    its round not open). The hash lookup is an indexed equality, so timing
    reveals nothing about near-misses."""
    return (
        Invitation.objects.select_related("round")
        .filter(token_hash=tokens.hash_token(token), revoked_at__isnull=True, round__status=RoundStatus.OPEN)
        .first()
    )


def _unsent_invitations(round_: Round):
    sent_or_queued = SentMessage.objects.filter(kind=MessageKind.INVITATION).exclude(status=MessageStatus.FAILED)
    return round_.invitations.filter(revoked_at__isnull=True).exclude(pk__in=sent_or_queued.values("invitation_id"))


# Ratings ---------------------------------------------------------------------


def _check_can_rate(invitation: Invitation) -> None:
    if invitation.revoked_at is not None:
        raise PermissionDenied(_("This invitation was revoked."))
    if invitation.round.status != RoundStatus.OPEN:
        raise StateConflict(_("This round is not open for ratings."))


def response_for(*, invitation: Invitation) -> Response:
    """The invitee's response, created on first use; two tabs racing to
    create it end with one row (the one-to-one constraint)."""
    response, _created = Response.objects.get_or_create(
        invitation=invitation,
        defaults={"round_id": invitation.round_id, "stakeholder_group_id": invitation.stakeholder_group_id},
    )
    return response


@transaction.atomic
def rating_save(
    *,
    invitation: Invitation,
    key_action_id: int,
    level_id: int | None,
    not_sure: bool,
    evidence: str,
) -> Rating:
    _check_can_rate(invitation)
    key_action = KeyAction.objects.filter(pk=key_action_id, rubric__round_rubrics__round_id=invitation.round_id).first()
    if key_action is None:
        raise ValidationError(_("That key action is not part of this round."))
    if level_id is not None and not Level.objects.filter(pk=level_id, rubric_id=key_action.rubric_id).exists():
        raise ValidationError(_("That level does not belong to this key action's rubric."))
    if level_id is not None and not_sure:
        raise ValidationError(_("Choose a level or “Not sure”, not both."))
    evidence = evidence.strip()
    if len(evidence) > EVIDENCE_MAX_LENGTH:
        raise ValidationError(
            _("Evidence can be at most %(max)d characters (you wrote %(count)d).")
            % {"max": EVIDENCE_MAX_LENGTH, "count": len(evidence)}
        )
    response = response_for(invitation=invitation)
    rating, _created = Rating.objects.update_or_create(
        response=response,
        key_action=key_action,
        defaults={"level_id": level_id, "not_sure": not_sure, "evidence": evidence},
    )
    return rating


def round_key_action_ids(round_id: int) -> list[int]:
    return list(KeyAction.objects.filter(rubric__round_rubrics__round_id=round_id).values_list("pk", flat=True))


@transaction.atomic
def response_submit(*, invitation: Invitation, now: datetime | None = None) -> Response:
    _check_can_rate(invitation)
    response = response_for(invitation=invitation)
    rated = set(
        response.ratings.filter(Q(level__isnull=False) | Q(not_sure=True)).values_list("key_action_id", flat=True)
    )
    missing = [pk for pk in round_key_action_ids(invitation.round_id) if pk not in rated]
    if missing:
        raise ValidationError(
            _("Rate every key action (or choose “Not sure”) before submitting: %(count)d still open.")
            % {"count": len(missing)}
        )
    if not Response.objects.filter(pk=response.pk, submitted_at__isnull=True).update(
        submitted_at=now or timezone.now()
    ):
        raise StateConflict(_("Your ratings were already submitted. You can still revise them until the round closes."))
    response.refresh_from_db()
    return response


# E-mail ------------------------------------------------------------------------


def messages_queue(*, invitations: Iterable[Invitation], kind: str) -> list[SentMessage]:
    """Records one message per invitation (the idempotency record) and
    enqueues its delivery once the transaction commits."""
    from .tasks import deliver_message  # the task module imports this one

    messages = SentMessage.objects.bulk_create(
        SentMessage(invitation=invitation, kind=kind, recipient=invitation.user.email)
        for invitation in Invitation.objects.filter(pk__in=[i.pk for i in invitations]).select_related("user")
    )
    for message in messages:
        deliver_message.delay_on_commit(message.pk)
    return messages


def _render_message(message: SentMessage) -> EmailMultiAlternatives:
    invitation = message.invitation
    round_ = invitation.round
    # Dates read in the organization's time zone, words in the invitee's language.
    with translation.override(invitation.user.language), timezone.override(round_.organization.time_zone):
        context = {
            "invitation": invitation,
            "round": round_,
            "person": invitation.user,
            "link": settings.SITE_URL.rstrip("/") + invitation_link_path(invitation),
            "site_url": settings.SITE_URL,
            "LANGUAGE_CODE": invitation.user.language,
        }
        template = f"assessments/email/{message.kind}"
        subject = " ".join(render_to_string(f"{template}_subject.txt", context).split())
        email = EmailMultiAlternatives(
            subject=subject,
            body=render_to_string(f"{template}.txt", context),
            to=[message.recipient],
        )
        email.attach_alternative(render_to_string(f"{template}.html", context), "text/html")
    return email


def message_deliver(*, message_id: int) -> bool:
    """Sends one recorded message unless it was already sent. The row stays
    locked while the mail server is talked to and is marked sent in the same
    transaction, so a retried or redelivered task sends nothing twice; a
    worker that dies before the commit leaves it pending for the redelivery.
    Returns whether this call sent it."""
    with transaction.atomic():
        message = (
            SentMessage.objects.select_for_update()
            .select_related("invitation__user", "invitation__round__team", "invitation__round__organization")
            .filter(pk=message_id)
            .first()
        )
        if message is None or message.status == MessageStatus.SENT:
            return False
        _render_message(message).send()
        message.status = MessageStatus.SENT
        message.sent_at = timezone.now()
        message.attempts += 1
        message.error = ""
        message.save(update_fields=["status", "sent_at", "attempts", "error"])
    return True


def message_record_failure(*, message_id: int, error: str, final: bool) -> None:
    SentMessage.objects.filter(pk=message_id).exclude(status=MessageStatus.SENT).update(
        attempts=F("attempts") + 1,
        error=error[:300],
        status=MessageStatus.FAILED if final else MessageStatus.PENDING,
    )
