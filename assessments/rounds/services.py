"""Writes of rounds: create and edit, then draft → open → closed (and
reopened), by hand or by the beat tick, and reminders. Each state change is
a conditional UPDATE, so two workers or two clicks cannot both win."""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from assessments.audit.services import round_event
from assessments.dates import round_dates_errors
from assessments.exceptions import StateConflict
from assessments.invitations.selectors import unsent_invitations
from assessments.mail.services import messages_queue
from assessments.models import MIN_THRESHOLD, MessageKind, Round, RoundRubric, RoundStatus
from convening.models import AuditKind, Team, User
from rubrics.models import Rubric
from rubrics.services import rubric_freeze

from .selectors import round_has_ratings, round_last_reminder

# A reminder by hand is refused this soon after the last one (by hand or automatic): three impatient clicks
# would otherwise mail everyone three times.
REMINDER_INTERVAL = timedelta(minutes=30)


def _validate_round_fields(
    *, team: Team, rubrics: Sequence[Rubric], opens_at: datetime, closes_at: datetime, threshold: int
) -> None:
    errors = round_dates_errors(opens_at=opens_at, closes_at=closes_at)
    if not rubrics:
        errors.setdefault("rubrics", []).append(_("Choose at least one rubric."))
    foreign = [r for r in rubrics if r.organization_id not in (None, team.organization_id)]
    if foreign:
        errors.setdefault("rubrics", []).append(_("That rubric is not available to this organization."))
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
    for rubric in rubrics:
        rubric_freeze(rubric=rubric)


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
    round_event(round=round_, by=created_by, kind=AuditKind.ROUND_CREATED)
    return round_


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
    by: User | None = None,
) -> Round:
    round_ = Round.objects.select_for_update().get(pk=round.pk)
    _validate_round_fields(
        team=round_.team, rubrics=rubrics, opens_at=opens_at, closes_at=closes_at, threshold=threshold
    )
    current_rubric_ids = list(round_.round_rubrics.order_by("position").values_list("rubric_id", flat=True))
    rubrics_change = current_rubric_ids != [r.pk for r in rubrics]
    if (rubrics_change or threshold != round_.threshold) and round_has_ratings(round=round_):
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
    round_event(round=round_, by=by, kind=AuditKind.ROUND_EDITED)
    return round_


def _transition(round_id: int, *, source: str, target: str, now: datetime, **fields: object) -> bool:
    """Moves a round from `source` to `target` status; exactly one caller wins."""
    stamp = {"opened_at": now} if target == RoundStatus.OPEN else {"closed_at": now}
    return Round.objects.filter(pk=round_id, status=source).update(status=target, **stamp, **fields) == 1


@transaction.atomic
def round_open(*, round: Round, by: User | None = None, now: datetime | None = None) -> None:
    """Opens a draft and sends its invitations; `by` None is the schedule."""
    now = now or timezone.now()
    if round.closes_at <= now:
        # Opened, it would close at the next tick and mail everyone a dead link.
        raise StateConflict(_("The round’s closing date has passed: change it before opening the round."))
    if not _transition(round.pk, source=RoundStatus.DRAFT, target=RoundStatus.OPEN, now=now):
        raise StateConflict(_("Only a draft round can be opened."))
    round.refresh_from_db()
    sent = messages_queue(invitations=unsent_invitations(round=round), kind=MessageKind.INVITATION)
    detail = ngettext("%(count)d invitation sent", "%(count)d invitations sent", len(sent)) % {"count": len(sent)}
    round_event(round=round, by=by, kind=AuditKind.ROUND_OPENED, detail=detail)


@transaction.atomic
def round_close(*, round: Round, by: User | None = None, now: datetime | None = None) -> None:
    now = now or timezone.now()
    if not _transition(round.pk, source=RoundStatus.OPEN, target=RoundStatus.CLOSED, now=now):
        raise StateConflict(_("Only an open round can be closed."))
    round.refresh_from_db()
    messages_queue(invitations=round.invitations.filter(revoked_at__isnull=True), kind=MessageKind.ROUND_CLOSED)
    round_event(round=round, by=by, kind=AuditKind.ROUND_CLOSED)


@transaction.atomic
def round_reopen(*, round: Round, closes_at: datetime, by: User | None = None, now: datetime | None = None) -> None:
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
    local_close = closes_at.astimezone(ZoneInfo(round.organization.time_zone))
    detail = _("closes %(date)s") % {"date": local_close.strftime("%Y-%m-%d %H:%M %Z")}
    round_event(round=round, by=by, kind=AuditKind.ROUND_REOPENED, detail=detail)


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
        if now < round_.closes_at - timedelta(days=round_.reminder_days_before or 0):
            continue
        with transaction.atomic():
            # Claimed only while still open, so a round closed meanwhile reminds nobody.
            claimed = Round.objects.filter(
                pk=round_.pk, status=RoundStatus.OPEN, auto_reminder_sent_at__isnull=True
            ).update(auto_reminder_sent_at=now)
            if claimed:
                _remind_pending(round_)
                reminded.append(round_.pk)
    return reminded


@transaction.atomic
def round_remind(*, round: Round, now: datetime | None = None) -> int:
    """Reminds by hand everyone invited who has not submitted; returns how
    many. Refused within REMINDER_INTERVAL of the round's last reminder."""
    now = now or timezone.now()
    # The round's row held until commit: a second click reads the last reminder only after the first committed.
    if Round.objects.select_for_update().get(pk=round.pk).status != RoundStatus.OPEN:
        raise StateConflict(_("Reminders can only be sent while the round is open."))
    last = round_last_reminder(round=round)
    if last is not None and now - last < REMINDER_INTERVAL:
        minutes = max(1, math.ceil((last + REMINDER_INTERVAL - now).total_seconds() / 60))
        raise StateConflict(
            ngettext(
                "A reminder was sent less than %(interval)d minutes ago, so none was sent now. "
                "The next one can be sent in %(minutes)d minute.",
                "A reminder was sent less than %(interval)d minutes ago, so none was sent now. "
                "The next one can be sent in %(minutes)d minutes.",
                minutes,
            )
            % {"interval": REMINDER_INTERVAL.total_seconds() // 60, "minutes": minutes}
        )
    return _remind_pending(round)


def _remind_pending(round: Round) -> int:
    pending = round.invitations.filter(revoked_at__isnull=True).exclude(response__submitted_at__isnull=False)
    return len(messages_queue(invitations=pending, kind=MessageKind.REMINDER))
