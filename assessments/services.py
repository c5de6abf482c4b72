"""Writes for rounds, invitations, ratings and e-mail. Every function validates
before it saves, runs in one transaction, and guards state changes with a
conditional UPDATE so that two workers or two clicks cannot both win."""

from __future__ import annotations

import functools
import logging
from collections.abc import Iterable, Sequence
from contextlib import nullcontext
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from urllib.parse import urlsplit

import psycopg
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.mail import EmailMultiAlternatives
from django.core.validators import ProhibitNullCharactersValidator
from django.db import IntegrityError, connection, transaction
from django.db.models import Exists, F, OuterRef, Q, Value
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from convening import people_csv
from convening import services as convening_services
from convening.models import StakeholderGroup, Team, TeamMember, User
from convening.selectors import stakeholder_groups_for, team_member_emails
from rubrics.models import KeyAction, Level, Rubric
from rubrics.services import rubric_freeze

from . import exports, paper, tokens
from .models import (
    EVIDENCE_MAX_LENGTH,
    MIN_THRESHOLD,
    ActionPlan,
    ActionStep,
    Consensus,
    Invitation,
    MessageKind,
    MessageStatus,
    Rating,
    ReportExport,
    ReportKind,
    ReportStatus,
    Response,
    Round,
    RoundRubric,
    RoundStatus,
    SentMessage,
    StepStatus,
)
from .results import round_results
from .selectors import default_target_level, round_action_plans

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


@dataclass(frozen=True)
class Participant:
    """Who is answering, as their session shows it: the invitations their
    personal links granted, and their account when signed in."""

    invitation_ids: tuple[int, ...]
    user_id: int | None = None


def _clean_answer(*, level_id: int | None, not_sure: bool, evidence: str) -> str:
    """The checks that need no database; answers the evidence as stored."""
    if level_id is not None and not_sure:
        raise ValidationError(_("Choose a level or “Not sure”, not both."))
    evidence = evidence.strip()
    ProhibitNullCharactersValidator()(evidence)  # PostgreSQL text cannot hold them
    if len(evidence) > EVIDENCE_MAX_LENGTH:
        raise ValidationError(
            _("Evidence can be at most %(max)d characters (you wrote %(count)d).")
            % {"max": EVIDENCE_MAX_LENGTH, "count": len(evidence)}
        )
    return evidence


@functools.cache  # a handful of shapes, built on the hottest path
def _upsert_sql(invitation_count: int, by_user: bool) -> str:
    # One statement that writes only what every rule allows: the invitation is
    # the participant's, for this round and not revoked; the round is open; the
    # key action is in one of its rubrics and the level in the same rubric; the
    # response exists. A broken rule writes no row, and the caller asks why.
    # It answers the progress too. Its subquery may or may not see the row
    # being written (PostgreSQL: not; SQLite: yes), so it counts the other key
    # actions, and the caller adds this one. (SQLite's RETURNING knows no
    # table alias, and misjudged a CASE on the written row's columns.)
    granted = [f"i.id IN ({', '.join(['%s'] * invitation_count)})"] if invitation_count else []
    if by_user:
        granted.append("i.user_id = %s")
    return f"""
        INSERT INTO {Rating._meta.db_table} (response_id, key_action_id, level_id, not_sure, evidence, updated_at)
        SELECT s.id, ka.id, %s, %s, %s, %s
        FROM {Invitation._meta.db_table} i
        JOIN {Round._meta.db_table} r ON r.id = i.round_id
        JOIN {Response._meta.db_table} s ON s.invitation_id = i.id
        JOIN {RoundRubric._meta.db_table} rr ON rr.round_id = r.id
        JOIN {KeyAction._meta.db_table} ka ON ka.rubric_id = rr.rubric_id
        WHERE ({" OR ".join(granted)}) AND i.round_id = %s AND i.revoked_at IS NULL
          AND r.status = %s AND ka.id = %s
          AND (CAST(%s AS bigint) IS NULL OR EXISTS (
            SELECT 1 FROM {Level._meta.db_table} l WHERE l.id = %s AND l.rubric_id = ka.rubric_id))
        ON CONFLICT (response_id, key_action_id) DO UPDATE SET level_id = excluded.level_id,
          not_sure = excluded.not_sure, evidence = excluded.evidence, updated_at = excluded.updated_at
        RETURNING
          (SELECT COUNT(*) FROM {Rating._meta.db_table} other
           WHERE other.response_id = {Rating._meta.db_table}.response_id
             AND other.key_action_id <> {Rating._meta.db_table}.key_action_id
             AND (other.level_id IS NOT NULL OR other.not_sure)),
          (SELECT COUNT(*) FROM {RoundRubric._meta.db_table} rr2
           JOIN {KeyAction._meta.db_table} ka2 ON ka2.rubric_id = rr2.rubric_id WHERE rr2.round_id = %s)
    """  # noqa: S608 — table names from the models, every value a parameter


def _fetch_prepared(cursor, sql: str, params: list) -> tuple | None:
    """Runs `sql` as a statement that PostgreSQL plans once per connection
    and then only executes: planning the autosave statement took 0.8 of its
    1.3 ms. (Django prepares nothing, for the sake of transaction poolers;
    pgbouncer ≥ 1.21 passes prepared statements on with max_prepared_statements.)
    Logged like any query, with Django's cursor `cursor` (which checked the
    connection first)."""
    logged = cursor.debug_sql(sql, params) if connection.queries_logged else nullcontext()
    with psycopg.Cursor(connection.connection) as prepared, connection.wrap_database_errors, logged:
        prepared.execute(sql, params, prepare=True)
        return prepared.fetchone()


def _rating_upsert(
    *, participant: Participant, round_id: int, key_action_id: int, level_id: int | None, not_sure: bool, evidence: str
) -> tuple[int, int] | None:
    """(key actions rated, key actions in the round) once the answer is saved,
    or None when a rule forbade it."""
    if not participant.invitation_ids and participant.user_id is None:
        return None
    sql = _upsert_sql(len(participant.invitation_ids), participant.user_id is not None)
    params = [level_id, not_sure, evidence, timezone.now(), *participant.invitation_ids]
    if participant.user_id is not None:
        params.append(participant.user_id)
    params += [round_id, RoundStatus.OPEN, key_action_id, level_id, level_id, round_id]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            row = _fetch_prepared(cursor, sql, params)
        else:
            cursor.execute(sql, params)
            row = cursor.fetchone()
    if row is None:
        return None
    others_rated, total = row
    return others_rated + (level_id is not None or not_sure), total


def rating_autosave(
    *,
    participant: Participant,
    round_id: int,
    key_action_id: int,
    level_id: int | None,
    not_sure: bool,
    evidence: str,
) -> tuple[int, int] | None:
    """Autosave, the hottest write of the product: one guarded statement that
    saves the answer and counts the progress, with no transaction around it
    (a statement is atomic by itself). Answers the progress, or None when
    nothing was saved: not the participant's round, a closed round, a foreign
    key action or level, or a first answer (no response yet). The caller then
    goes through `rating_save`, which says which rule was broken."""
    evidence = _clean_answer(level_id=level_id, not_sure=not_sure, evidence=evidence)
    return _rating_upsert(
        participant=participant,
        round_id=round_id,
        key_action_id=key_action_id,
        level_id=level_id,
        not_sure=not_sure,
        evidence=evidence,
    )


@transaction.atomic
def rating_save(
    *,
    invitation: Invitation,
    key_action_id: int,
    level_id: int | None,
    not_sure: bool,
    evidence: str,
) -> tuple[int, int]:
    """Saves one answer and answers the progress (key actions rated, key
    actions in the round), or says which rule forbids it."""
    evidence = _clean_answer(level_id=level_id, not_sure=not_sure, evidence=evidence)
    answer = {"key_action_id": key_action_id, "level_id": level_id, "not_sure": not_sure, "evidence": evidence}
    participant = Participant(invitation_ids=(invitation.pk,))
    progress = _rating_upsert(participant=participant, round_id=invitation.round_id, **answer)
    if progress is not None:
        return progress
    _check_can_rate(invitation)
    level_belongs = Value(True)
    if level_id is not None:
        level_belongs = Exists(Level.objects.filter(pk=level_id, rubric_id=OuterRef("rubric_id")))
    key_action = (
        KeyAction.objects.filter(pk=key_action_id, rubric__round_rubrics__round_id=invitation.round_id)
        .annotate(level_belongs=level_belongs)
        .values("pk", "level_belongs")
        .first()
    )
    if key_action is None:
        raise ValidationError(_("That key action is not part of this round."))
    if not key_action["level_belongs"]:
        raise ValidationError(_("That level does not belong to this key action's rubric."))
    response_for(invitation=invitation)  # a first answer: the response did not exist yet
    progress = _rating_upsert(participant=participant, round_id=invitation.round_id, **answer)
    if progress is None:
        # Every rule held a moment ago: the round closed or the link was revoked since.
        raise StateConflict(_("This round is not open for ratings."))
    return progress


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
            headers={"Message-ID": _message_id(message)},
        )
        email.attach_alternative(render_to_string(f"{template}.html", context), "text/html")
    return email


def _message_id(message: SentMessage) -> str:
    """The same for every attempt at one message: a worker that dies after the mail server accepted it and
    before the commit leaves it pending, and the redelivered task sends it again (SMTP has no two-phase
    commit); receivers recognize and drop the repeat by this id. Named after the site, not the worker
    machine, so that any worker gives the same id."""
    domain = urlsplit(settings.SITE_URL).hostname or "localhost"
    return f"<convening.message.{message.pk}.{message.created_at:%Y%m%d%H%M%S}@{domain}>"


def message_deliver(*, message_id: int) -> bool:
    """Sends one recorded message unless it was already sent. The row stays
    locked while the mail server is talked to and is marked sent in the same
    transaction, so a retried or redelivered task sends nothing twice; a
    worker that dies before the commit leaves it pending for the redelivery,
    which sends it again only if the server had already accepted it (see
    _message_id; tests/worker/prove_exactly_once.py shows each case).
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


# Invitations from a pasted or uploaded list (facilitators' pages) ---------------


@transaction.atomic
def invitations_import(
    *, round: Round, rows: Sequence[people_csv.PersonRow]
) -> tuple[list[TeamMember], list[Invitation]]:
    """Invites everyone on the list, all or nobody: people not on the round's
    team yet join it first (through the team import, with its checks), so
    that the team stays the list of the people it convenes. Someone already
    invited is not invited twice. Returns (new team members, new invitations)."""
    added = convening_services.team_members_import(team=round.team, rows=rows)
    emails = {people_csv.normalize_email(row.email) for row in rows}  # valid: the import checked them
    members = team_member_emails(team=round.team)
    invitees = [
        Invitee(user=member.user, stakeholder_group=member.stakeholder_group)
        for email, member in members.items()
        if email in emails
    ]
    return added, invitations_create(round=round, invitees=invitees)


# Consensus and action plans -----------------------------------------------------


def _check_key_action_in_round(round: Round, key_action: KeyAction) -> None:
    if not RoundRubric.objects.filter(round=round, rubric_id=key_action.rubric_id).exists():
        raise ValidationError({"key_action": _("That key action is not part of this round.")})


def _check_level_of(key_action: KeyAction, level: Level, *, field: str) -> None:
    if level.rubric_id != key_action.rubric_id:
        raise ValidationError({field: _("Choose one of the levels of this key action's rubric.")})


@transaction.atomic
def round_set_results_revealed(*, round: Round, revealed: bool) -> None:
    """Shows an open round's results to facilitators and leads before it
    closes (e.g. live in a meeting), or hides them again. A closed round's
    results are visible anyway; a draft has none."""
    if revealed and round.status != RoundStatus.OPEN:
        raise StateConflict(_("Only an open round's results can be shown before closing."))
    Round.objects.filter(pk=round.pk).update(results_revealed=revealed)
    round.results_revealed = revealed


@transaction.atomic
def consensus_record(
    *, round: Round, key_action: KeyAction, level: Level, rationale: str, recorded_by: User | None
) -> Consensus:
    """Appends the team's agreed level for a key action; earlier records stay
    as its history. Only once the team can see the distribution it discusses."""
    if round.status != RoundStatus.CLOSED and not round.results_revealed:
        raise StateConflict(_("Consensus is recorded once the round has closed or its results are shown."))
    _check_key_action_in_round(round, key_action)
    _check_level_of(key_action, level, field="level")
    record = Consensus(
        round=round, key_action=key_action, level=level, rationale=rationale.strip(), recorded_by=recorded_by
    )
    record.full_clean()
    record.save()
    return record


@transaction.atomic
def action_plan_set_target(*, round: Round, key_action: KeyAction, target_level: Level) -> ActionPlan:
    _check_key_action_in_round(round, key_action)
    _check_level_of(key_action, target_level, field="target_level")
    plan, _created = ActionPlan.objects.update_or_create(
        round=round, key_action=key_action, defaults={"target_level": target_level}
    )
    return plan


def _plan_for(round: Round, key_action: KeyAction) -> ActionPlan:
    """The key action's plan, made with the default target on its first step."""
    plan = ActionPlan.objects.filter(round=round, key_action=key_action).first()
    if plan is not None:
        return plan
    result = next(
        result
        for rubric in round_results(round=round).rubrics
        for result in rubric.key_actions
        if result.key_action.pk == key_action.pk
    )
    return ActionPlan.objects.create(round=round, key_action=key_action, target_level=default_target_level(result))


def _validated_step(*, description: str, owner: str, due_date: date | None, status: str) -> dict[str, object]:
    fields = {"description": description.strip(), "owner": owner.strip(), "due_date": due_date, "status": status}
    ActionStep(**fields).full_clean(exclude=["plan"])
    return fields


@transaction.atomic
def action_step_add(
    *,
    round: Round,
    key_action: KeyAction,
    description: str,
    owner: str = "",
    due_date: date | None = None,
    status: str = StepStatus.OPEN,
) -> ActionStep:
    _check_key_action_in_round(round, key_action)
    fields = _validated_step(description=description, owner=owner, due_date=due_date, status=status)
    return ActionStep.objects.create(plan=_plan_for(round, key_action), **fields)


@transaction.atomic
def action_step_update(
    *, step: ActionStep, description: str, owner: str, due_date: date | None, status: str
) -> ActionStep:
    fields = _validated_step(description=description, owner=owner, due_date=due_date, status=status)
    # Validated apart and then saved, so a refused change leaves `step` as it was.
    for name, value in fields.items():
        setattr(step, name, value)
    step.save(update_fields=[*fields, "updated_at"])
    return step


@transaction.atomic
def action_step_delete(*, step: ActionStep) -> None:
    step.delete()


# Paper ratings -------------------------------------------------------------------


# A file of thousands of answers is saved in INSERTs of bounded size.
PAPER_BATCH_SIZE = 1000


def paper_ratings_check_round(*, round: Round) -> None:
    """Paper answers are taken while the round is open and after it closes
    (paper sessions often happen at the closing meeting), not before it opens:
    a draft's rubrics may still change."""
    if round.status == RoundStatus.DRAFT:
        raise StateConflict(_("Paper ratings can be entered once the round has opened."))


@transaction.atomic
def paper_response_create(
    *,
    round: Round,
    respondent_code: str,
    stakeholder_group: StakeholderGroup,
    answers: Sequence[paper.PaperAnswer],
    entered_by: User | None,
) -> Response:
    """Saves one respondent's paper form as a submitted response entered by proxy."""
    sheet = paper.PaperSheet(
        respondent_code=respondent_code.strip(), stakeholder_group=stakeholder_group, answers=list(answers)
    )
    return _paper_responses_save(round_=round, sheets=[sheet], entered_by=entered_by)[0]


@transaction.atomic
def paper_ratings_import(*, round: Round, rows: Sequence[paper.PaperRow], entered_by: User | None) -> int:
    """Saves every respondent of a CSV file, or none when any row has a problem
    (all of them are listed). Returns the number of respondents saved."""
    content = paper.RoundContent(round)
    sheets, problems = paper.sheets_from_rows(
        list(rows), content=content, groups=stakeholder_groups_for(organization=round.organization)
    )
    saved = _paper_responses_save(
        round_=round, sheets=sheets, entered_by=entered_by, content=content, problems=problems
    )
    return len(saved)


def _paper_responses_save(
    *,
    round_: Round,
    sheets: list[paper.PaperSheet],
    entered_by: User | None,
    content: paper.RoundContent | None = None,
    problems: Sequence[paper.Problem] = (),
) -> list[Response]:
    paper_ratings_check_round(round=round_)
    content = content or paper.RoundContent(round_)
    # A code holding NUL is refused below; PostgreSQL would refuse the query itself.
    codes = [sheet.respondent_code for sheet in sheets if "\x00" not in sheet.respondent_code]
    same_codes = Response.objects.filter(round=round_, respondent_code__in=codes)
    taken = set(same_codes.values_list("respondent_code", flat=True))
    problems = [
        *problems,
        *paper.sheet_problems(sheets, content=content, organization_id=round_.organization_id, taken_codes=taken),
    ]
    if problems:
        raise paper.problems_error(problems)
    now = timezone.now()
    try:
        # A savepoint, so that the check below can still query after a failed insert.
        with transaction.atomic():
            responses = Response.objects.bulk_create(
                Response(
                    round=round_,
                    respondent_code=sheet.respondent_code,
                    stakeholder_group=sheet.stakeholder_group,
                    entered_by_proxy=True,
                    entered_by=entered_by,
                    submitted_at=now,
                )
                for sheet in sheets
            )
            Rating.objects.bulk_create(
                (
                    Rating(
                        response=response,
                        key_action_id=answer.key_action_id,
                        level_id=answer.level_id,
                        not_sure=answer.not_sure,
                        evidence=answer.evidence.strip(),
                    )
                    for response, sheet in zip(responses, sheets, strict=True)
                    for answer in sheet.answers
                ),
                batch_size=PAPER_BATCH_SIZE,
            )
    except IntegrityError:
        # Another upload or form saved some of these codes since they were checked.
        taken = set(same_codes.values_list("respondent_code", flat=True))
        if not taken:
            raise
        raise ValidationError(
            ngettext(
                "Respondent code %(codes)s was entered by someone else at the same moment; nothing was saved.",
                "Respondent codes %(codes)s were entered by someone else at the same moment; nothing was saved.",
                len(taken),
            )
            % {"codes": ", ".join(sorted(taken))}
        ) from None
    return responses


# Reports ---------------------------------------------------------------------

REPORT_STARTED, REPORT_RESULTS_READ, REPORT_PAGE_RENDERED, REPORT_PDF_MADE = 5, 30, 50, 90


@transaction.atomic
def report_request(*, round: Round, requested_by: User) -> ReportExport:
    """Records a PDF report of the round's results; a worker makes it once the
    transaction commits. While one is still waiting or being made, that one
    is returned: a second click makes no second file."""
    from .tasks import build_round_report  # the task module imports this one

    in_progress = ReportExport.objects.filter(
        round=round, kind=ReportKind.ROUND_PDF, status__in=[ReportStatus.PENDING, ReportStatus.RUNNING]
    ).first()
    if in_progress is not None:
        return in_progress
    report = ReportExport.objects.create(round=round, requested_by=requested_by, kind=ReportKind.ROUND_PDF)
    build_round_report.delay_on_commit(report.pk)
    return report


def _report_progress(report_id: int, progress: int) -> None:
    ReportExport.objects.filter(pk=report_id, status=ReportStatus.RUNNING).update(progress=progress)


def report_build(*, report_id: int) -> bool:
    """Makes the PDF of a requested report, in the requester's language and
    the organization's time zone. Not one transaction: each step's progress
    commits at once, so that the report's page shows it while the worker
    works. A report already done (or failed) is left as it is; a running one
    is taken over, as with acks_late a task comes back only when the worker
    making it died. A failure is recorded on the report for its page, and
    logged. Returns whether this call made the file."""
    claimable = ReportExport.objects.filter(pk=report_id, status__in=[ReportStatus.PENDING, ReportStatus.RUNNING])
    if not claimable.update(status=ReportStatus.RUNNING, progress=REPORT_STARTED, error=""):
        return False
    reports = ReportExport.objects.select_related("round__team", "round__organization", "requested_by")
    report = reports.get(pk=report_id)
    round_ = report.round
    language = report.requested_by.language if report.requested_by else settings.LANGUAGE_CODE
    try:
        with translation.override(language), timezone.override(round_.organization.time_zone):
            results = round_results(round=round_)
            _report_progress(report_id, REPORT_RESULTS_READ)
            html = exports.report_html(results, round_action_plans(round=round_))
            _report_progress(report_id, REPORT_PAGE_RENDERED)
            pdf = exports.html_to_pdf(html)
        _report_progress(report_id, REPORT_PDF_MADE)
        report.file.save(f"round-{round_.pk}-report-{report_id}.pdf", ContentFile(pdf), save=False)
        ReportExport.objects.filter(pk=report_id).update(
            status=ReportStatus.DONE, progress=100, file=report.file.name, finished_at=timezone.now()
        )
    except Exception as error:
        logger.exception("Report %s of round %s failed", report_id, round_.pk)
        ReportExport.objects.filter(pk=report_id).update(
            status=ReportStatus.FAILED, error=repr(error)[:300], finished_at=timezone.now()
        )
        return False
    return True
