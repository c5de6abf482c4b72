"""Autosave, the hottest write of the product: one guarded statement that
saves an answer and counts the progress (see `rating_autosave`)."""

from __future__ import annotations

import functools
from contextlib import nullcontext
from dataclasses import dataclass, replace
from typing import Any

import psycopg
from django.core.exceptions import ValidationError
from django.core.validators import ProhibitNullCharactersValidator
from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext as _

from assessments.models import EVIDENCE_MAX_LENGTH, Invitation, Rating, Response, Round, RoundRubric, RoundStatus
from rubrics.models import KeyAction, Level


@dataclass(frozen=True)
class Participant:
    """Who is answering one round, as the session shows it: the one
    invitation a personal link granted (with the hash of that link, so that a
    new link or a revocation ends the grant), or else the signed-in person's
    own invitation. Never both, and never more than one."""

    invitation_id: int | None = None
    token_hash: str = ""  # set for a link's grant
    user_id: int | None = None  # set for a signed-in person's own invitation


@dataclass(frozen=True)
class AnswerChange:
    """What one save writes of one key action's answer. Each part is written
    only when asked (`writes_level`, `writes_evidence`), so a level chosen on
    one device never carries a stale evidence box along. A part written with
    a base version is written only over exactly that version: the answer the
    person saw is the one stored, or the write is refused. A base of None
    overwrites whatever is stored (services and imports, never a page)."""

    key_action_id: int
    level_id: int | None = None
    not_sure: bool = False
    evidence: str = ""
    writes_level: bool = True
    writes_evidence: bool = True
    level_base: int | None = None
    evidence_base: int | None = None


@dataclass(frozen=True)
class Saved:
    """The versions now stored, and the progress: key actions rated of those in the round."""

    level_version: int
    evidence_version: int
    rated: int
    total: int


def clean_answer(change: AnswerChange) -> AnswerChange:
    """The checks that need no database; answers the change as it is stored
    (evidence stripped)."""
    if not change.writes_level and not change.writes_evidence:
        raise ValidationError(_("Nothing to save."))
    if change.level_id is not None and change.not_sure:
        raise ValidationError(_("Choose a level or “Not sure”, not both."))
    if not change.writes_evidence:
        return change
    evidence = change.evidence.strip()
    ProhibitNullCharactersValidator()(evidence)  # PostgreSQL text cannot hold them
    if len(evidence) > EVIDENCE_MAX_LENGTH:
        raise ValidationError(
            _("Evidence can be at most %(max)d characters (you wrote %(count)d).")
            % {"max": EVIDENCE_MAX_LENGTH, "count": len(evidence)}
        )
    return replace(change, evidence=evidence)


@functools.cache  # a handful of shapes, built on the hottest path
def _upsert_sql(
    *, by_link: bool, level: bool, evidence: bool, level_cas: bool, evidence_cas: bool, revising: bool
) -> str:
    # One statement that writes only what every rule allows: the invitation is
    # the participant's (by the link the session holds, or by their account),
    # for this round and not revoked; the round is open; the key action is in
    # one of its rubrics and the level in the same rubric; the response
    # exists; and each part written is still at the version its writer saw.
    # A broken rule writes no row, and the caller asks why. It answers the
    # versions and the progress too. Its subquery may or may not see the row
    # being written (PostgreSQL: not; SQLite: yes), so it counts the other key
    # actions, and the caller adds this one. (SQLite's RETURNING knows no
    # table alias, and misjudged a CASE on the written row's columns.)
    # A submitted response is written only when `revising`: through
    # `answer_save`, which then moves the round's results revision in the
    # same transaction (what a release holds may change).
    table = Rating._meta.db_table
    submitted = "" if revising else "AND s.submitted_at IS NULL"
    granted = "i.id = %s AND i.token_hash = %s" if by_link else "i.id = %s AND i.user_id = %s"
    updates, guards = ["updated_at = excluded.updated_at"], []
    if level:
        updates += [
            "level_id = excluded.level_id",
            "not_sure = excluded.not_sure",
            f"level_version = {table}.level_version + 1",
        ]
        if level_cas:
            guards.append(f"{table}.level_version = %s")
    if evidence:
        updates += ["evidence = excluded.evidence", f"evidence_version = {table}.evidence_version + 1"]
        if evidence_cas:
            guards.append(f"{table}.evidence_version = %s")
    where = f"WHERE {' AND '.join(guards)}" if guards else ""
    return f"""
        INSERT INTO {table}
          (response_id, key_action_id, level_id, not_sure, evidence, level_version, evidence_version, updated_at)
        SELECT s.id, ka.id, %s, %s, %s, {int(level)}, {int(evidence)}, %s
        FROM {Invitation._meta.db_table} i
        JOIN {Round._meta.db_table} r ON r.id = i.round_id
        JOIN {Response._meta.db_table} s ON s.invitation_id = i.id
        JOIN {RoundRubric._meta.db_table} rr ON rr.round_id = r.id
        JOIN {KeyAction._meta.db_table} ka ON ka.rubric_id = rr.rubric_id
        WHERE {granted} AND i.round_id = %s AND i.revoked_at IS NULL
          AND r.status = %s AND ka.id = %s {submitted}
          AND (CAST(%s AS bigint) IS NULL OR EXISTS (
            SELECT 1 FROM {Level._meta.db_table} l WHERE l.id = %s AND l.rubric_id = ka.rubric_id))
        ON CONFLICT (response_id, key_action_id) DO UPDATE SET {", ".join(updates)}
        {where}
        RETURNING level_version, evidence_version, level_id, not_sure,
          (SELECT COUNT(*) FROM {table} other
           WHERE other.response_id = {table}.response_id
             AND other.key_action_id <> {table}.key_action_id
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


def rating_upsert(
    *, participant: Participant, round_id: int, change: AnswerChange, revising: bool = False
) -> Saved | None:
    """Writes a checked change in one statement; None when a rule forbade it
    (or the response does not exist yet, or was submitted and not `revising`)."""
    by_link = bool(participant.token_hash)
    if participant.invitation_id is None or (not by_link and participant.user_id is None):
        return None
    level_cas = change.writes_level and change.level_base is not None
    evidence_cas = change.writes_evidence and change.evidence_base is not None
    sql = _upsert_sql(
        by_link=by_link,
        level=change.writes_level,
        evidence=change.writes_evidence,
        level_cas=level_cas,
        evidence_cas=evidence_cas,
        revising=revising,
    )
    level_id = change.level_id if change.writes_level else None
    params: list[Any] = [level_id, change.not_sure and change.writes_level, change.evidence, timezone.now()]
    params += [participant.invitation_id, participant.token_hash if by_link else participant.user_id]
    params += [round_id, RoundStatus.OPEN, change.key_action_id, level_id, level_id]
    params += [base for base, used in ((change.level_base, level_cas), (change.evidence_base, evidence_cas)) if used]
    params.append(round_id)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            row = _fetch_prepared(cursor, sql, params)
        else:
            cursor.execute(sql, params)
            row = cursor.fetchone()
    if row is None:
        return None
    level_version, evidence_version, stored_level_id, stored_not_sure, others_rated, total = row
    rated = others_rated + (stored_level_id is not None or bool(stored_not_sure))
    return Saved(level_version=level_version, evidence_version=evidence_version, rated=rated, total=total)


def rating_autosave(*, participant: Participant, round_id: int, change: AnswerChange) -> Saved | None:
    """Autosave, the hottest write of the product: one guarded statement that
    saves the change and counts the progress, with no transaction around it
    (a statement is atomic by itself). Answers the versions and progress, or
    None when nothing was saved: not the participant's round, a closed round,
    a foreign key action or level, a stale base version, a first answer
    (no response yet), or a revision of submitted answers. The caller then goes through `answer_save`, which says
    which rule was broken."""
    return rating_upsert(participant=participant, round_id=round_id, change=clean_answer(change))
