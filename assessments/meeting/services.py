"""Meetings: a facilitator paces a round's key actions in the room, phones
answer, and each key action's figures are revealed at once, as a release of
that key action under SPEC §5.1 (`meeting_reveal`)."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from assessments.audit.services import round_event
from assessments.exceptions import StateConflict
from assessments.invitations import tokens
from assessments.invitations.services import invitation_new_link
from assessments.models import (
    MEETING_IDLE_HOURS,
    Consensus,
    Invitation,
    Meeting,
    MeetingReveal,
    Rating,
    Release,
    Response,
    Round,
    RoundStatus,
)
from assessments.planning.services import action_step_add, consensus_record
from assessments.results.disclosure import Answerer, Earlier, Withheld, release_withheld
from assessments.results.releases import answer_hash, reveal_members, standing_invitations
from convening.models import AuditKind, StakeholderGroup, User
from rubrics.models import KeyAction, Level

# No 0/O, 1/I/L: read off a projector and typed on a phone. 31⁸ ≈ 8.5 × 10¹¹
# codes, and joining is rate-limited per client address (views), so a code
# cannot be found from outside the room while the meeting lasts.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 8


def live_meetings() -> QuerySet[Meeting]:
    """Meetings not ended by hand, and not idle for MEETING_IDLE_HOURS."""
    idle_since = timezone.now() - timedelta(hours=MEETING_IDLE_HOURS)
    return Meeting.objects.filter(ended_at__isnull=True, active_at__gt=idle_since)


def normalized_code(typed: str) -> str:
    """A code as typed (any case, spaces or a dash) as stored."""
    return "".join(character for character in typed.upper() if character.isalnum())


def _new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


@transaction.atomic
def meeting_start(*, round: Round, by: User | None, now: datetime | None = None) -> Meeting:
    """The round's live meeting, started now unless one is live already (a
    second click, another facilitator): one live meeting per round, and one
    event on the audit trail for the one started."""
    now = now or timezone.now()
    Round.objects.select_for_update().filter(pk=round.pk).values_list("pk", flat=True).get()
    if round.status != RoundStatus.OPEN:
        raise StateConflict(_("A meeting is held while the round is open."))
    live = live_meetings().filter(round=round).first()
    if live is not None:
        return live
    # A meeting left idle ends now, so that the new one is the round's only one.
    Meeting.objects.filter(round=round, ended_at__isnull=True).update(ended_at=now)
    for _attempt in range(5):
        try:
            with transaction.atomic():
                meeting = Meeting.objects.create(
                    round=round, code=_new_code(), started_by=by, started_at=now, active_at=now
                )
        except IntegrityError:
            continue  # the code is some other live meeting's: draw again
        round_event(round=round, by=by, kind=AuditKind.MEETING_STARTED, subject=meeting)
        return meeting
    raise StateConflict(_("No meeting code could be drawn. Try again."))


def _changed(meeting: Meeting, now: datetime | None = None, *, phones: bool = True, **fields: object) -> None:
    """Applies a change, only while the meeting is live; one the phones show
    (`phones`) moves the revision, so that every phone redraws."""
    now = now or timezone.now()
    moved = {"revision": F("revision") + 1} if phones else {}
    if not live_meetings().filter(pk=meeting.pk).update(active_at=now, **moved, **fields):
        raise StateConflict(_("This meeting has ended."))
    meeting.refresh_from_db()


@transaction.atomic
def meeting_go(*, meeting: Meeting, position: int, key_action_count: int) -> None:
    """Moves the room to the key action at `position` (back, next, skip)."""
    if not 0 <= position < key_action_count:
        raise ValidationError(_("There is no key action there."))
    _changed(meeting, position=position)


@transaction.atomic
def meeting_lock(*, meeting: Meeting, locked: bool) -> None:
    _changed(meeting, phones=False, locked=locked)


@transaction.atomic
def meeting_free_navigation(*, meeting: Meeting, free: bool) -> None:
    _changed(meeting, free_navigation=free)


@transaction.atomic
def meeting_end(*, meeting: Meeting, by: User | None, now: datetime | None = None) -> None:
    now = now or timezone.now()
    if not Meeting.objects.filter(pk=meeting.pk, ended_at__isnull=True).update(
        ended_at=now, revision=F("revision") + 1
    ):
        raise StateConflict(_("This meeting has ended already."))
    # Before the refresh, which would drop the round the meeting was read with.
    round_event(round=meeting.round, by=by, kind=AuditKind.MEETING_ENDED, subject=meeting)
    meeting.refresh_from_db()


@transaction.atomic
def meeting_walk_in(*, meeting: Meeting, group: StakeholderGroup) -> Invitation:
    """Someone in the room without an invitation joins: a private respondent
    of the round in the group they chose, reached through this browser only.
    A room joins all at once: nothing here locks the meeting or makes the
    phones redraw (the projector counts walk-ins on its own poll)."""
    live = live_meetings().filter(pk=meeting.pk).select_related("round").first()
    if live is None:
        raise StateConflict(_("This meeting has ended."))
    meeting = live
    if meeting.locked:
        raise StateConflict(_("The facilitator has closed this meeting to newcomers."))
    if meeting.round.status != RoundStatus.OPEN:
        raise StateConflict(_("This round is not open for ratings."))
    if group.organization_id != meeting.round.organization_id:
        raise ValidationError(_("Choose one of the groups shown."))
    invitation = Invitation.objects.create(
        round=meeting.round,
        walk_in_meeting=meeting,
        stakeholder_group=group,
        token_nonce="",
        token_hash=tokens.placeholder_hash(),
    )
    invitation_new_link(invitation)
    invitation.save(update_fields=["token_nonce", "token_hash"])
    return invitation


def room_responses(round: Round) -> QuerySet[Response]:
    """Whose answers count in the room: every response not withdrawn, online
    ones whether submitted or not (a key action counts once answered)."""
    return Response.objects.filter(round=round).filter(
        Q(invitation__isnull=True, submitted_at__isnull=False) | Q(invitation__in=standing_invitations(round))
    )


@dataclass(frozen=True)
class RoomAnswer:
    answerer: Answerer
    level_position: int | None  # None: "Not sure"


def room_answers(*, round: Round, key_action_id: int) -> dict[int, RoomAnswer]:
    """Response id → its answer of the key action now (a level or "Not sure"), one query."""
    rows = (
        Rating.objects.filter(response__in=room_responses(round).values("pk"), key_action_id=key_action_id)
        .filter(Q(level__isnull=False) | Q(not_sure=True))
        .annotate(digest=answer_hash())
        .values_list(
            "response_id", "response__stakeholder_group_id", "response__invitation_id", "level__position", "digest"
        )
        .order_by()
    )
    return {
        response: RoomAnswer(Answerer(group=group, private=invitation is not None, digest=digest), position)
        for response, group, invitation, position, digest in rows
    }


class RevealWithheld(Exception):
    def __init__(self, reason: Withheld, answered: int) -> None:
        super().__init__(reason)
        self.reason = reason
        self.answered = answered


@transaction.atomic
def meeting_reveal(
    *, meeting: Meeting, key_action_id: int, by: User | None, now: datetime | None = None
) -> MeetingReveal:
    """Reveals the key action's figures to the room at once: a release of
    that key action (SPEC §5.1): at least k answers, 0 or at least k of them
    private, and against every earlier reveal of it 0 or at least k answers
    differ; never groups. Refused (RevealWithheld) otherwise, and while the
    round's own figures have been shown outside the room, which a reveal
    could be subtracted from."""
    round_ = meeting.round
    # The round's lock: no release of the round is made meanwhile (releases compare with reveals).
    Round.objects.select_for_update().filter(pk=round_.pk).values_list("pk", flat=True).get()
    if not live_meetings().filter(pk=meeting.pk).exists():
        raise StateConflict(_("This meeting has ended."))
    if Release.objects.filter(round=round_, shown_at__isnull=False).exists():
        raise StateConflict(
            _(
                "This round's figures have been shown outside the meeting, so figures shown in the room could be "
                "subtracted from them: nothing more is revealed here."
            )
        )
    answers = room_answers(round=round_, key_action_id=key_action_id)
    live = {pk: answer.answerer for pk, answer in answers.items()}
    earlier = [
        Earlier(members=reveal_members(reveal), hidden_groups=None)
        for reveal in MeetingReveal.objects.filter(meeting__round=round_, key_action_id=key_action_id)
    ]
    reason = release_withheld(live, shown=earlier, k=round_.threshold)
    if reason is not None:
        raise RevealWithheld(reason, answered=len(live))
    # The counts come from the same rows as the members, so the figures are
    # exactly the members' answers (a room holds tens of people, not thousands).
    counts: dict[str, int] = {}
    for answer in answers.values():
        key = "not_sure" if answer.level_position is None else str(answer.level_position)
        counts[key] = counts.get(key, 0) + 1
    reveal = MeetingReveal.objects.create(
        meeting=meeting,
        key_action_id=key_action_id,
        made_at=now or timezone.now(),
        respondents=len(live),
        members={str(pk): [a.group, a.private, a.digest] for pk, a in live.items()},
        counts=counts,
    )
    _changed(meeting, now=now)
    key_action = KeyAction.objects.only("position", "title").get(pk=key_action_id)
    detail = ngettext(
        "%(position)d. %(title)s · %(count)d answer", "%(position)d. %(title)s · %(count)d answers", len(live)
    ) % {"position": key_action.position, "title": key_action.title, "count": len(live)}
    round_event(round=round_, by=by, kind=AuditKind.MEETING_REVEALED, detail=detail, subject=reveal)
    return reveal


@transaction.atomic
def meeting_consensus_record(
    *,
    meeting: Meeting,
    key_action: KeyAction,
    level: Level,
    rationale: str,
    step: str,
    owner: str,
    by: User | None,
) -> Consensus:
    """The level the room agreed on, and its first step if one was named:
    the round's ordinary consensus and plan afterwards, dated today."""
    if not MeetingReveal.objects.filter(meeting=meeting, key_action=key_action).exists():
        raise StateConflict(_("Reveal the room's answers before recording what the team agreed."))
    record = consensus_record(
        round=meeting.round, key_action=key_action, level=level, rationale=rationale, recorded_by=by
    )
    if step.strip():
        action_step_add(round=meeting.round, key_action=key_action, description=step, owner=owner, by=by)
    _changed(meeting, phones=False)
    return record
