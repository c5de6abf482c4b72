"""Reads behind the files: the anonymized ratings, and a round's PDF reports."""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterator
from dataclasses import dataclass

from django.db import connection
from django.db.models import Exists, OuterRef, QuerySet
from django.utils.translation import gettext as _

from assessments.models import Release, ReportExport, Response, Round, RoundStatus
from assessments.results.computation import RoundResults
from convening.models import StakeholderGroup


class RatingsNotOffered(Exception):
    """Why the anonymized ratings cannot be downloaded now (SPEC §5.1 rule 4)."""


@dataclass(frozen=True)
class AnonymousRatings:
    """What the anonymized ratings file holds, decided before a byte of it is sent: the released
    responses in the order of their codes, drawn afresh (`responses[i]` is R-(i+1)), and the group each
    may be shown with ("" where it may not). Its rows are read by `anonymized_rating_rows`."""

    round_id: int
    responses: list[int]
    groups: dict[int, str]

    @property
    def code_width(self) -> int:
        return max(3, len(str(len(self.responses))))


def anonymized_ratings(*, results: RoundResults) -> AnonymousRatings:
    """The current release's respondents, each under a code drawn afresh for this call: the respondents
    are shuffled by the system's random source and numbered R-001…, so a code tells nothing of an id or
    of when someone submitted, and two exports cannot be matched up. The file is sorted by code, so its
    order gives nothing away either. Offered once the round has closed; a group's name only while the
    release is the round's first and the group is shown (a revised row could otherwise be matched to its
    earlier version); evidence never. Refused (RatingsNotOffered) while a released response has changed
    since, as its rows would no longer be the release's."""
    round_ = results.round
    if round_.status != RoundStatus.CLOSED:
        raise RatingsNotOffered(_("The anonymized ratings can be downloaded once the round has closed."))
    release = Release.objects.filter(round=round_, is_current=True).first()
    if release is None:
        raise RatingsNotOffered(_("This round has no figures to download yet."))
    # One anti-join in the database: a member whose response no longer has the digest it was released with.
    still_as_released = Response.objects.filter(pk=OuterRef("response_id"), answers_digest=OuterRef("digest"))
    if release.members.filter(~Exists(still_as_released)).exists():
        raise RatingsNotOffered(
            _("Some released responses changed since: the file returns with the next release of figures.")
        )
    members = dict(release.members.values_list("response_id", "group_id"))
    first = not Release.objects.filter(round=round_, shown_at__isnull=False).exclude(pk=release.pk).exists()
    names = dict(StakeholderGroup.objects.filter(pk__in=set(members.values())).values_list("pk", "name"))
    hidden = {int(pk) for pk, entry in release.figures["groups"].items() if entry["hidden"]}
    order = list(members)
    secrets.SystemRandom().shuffle(order)
    groups = {
        pk: names.get(group_id, "") if first and group_id not in hidden else "" for pk, group_id in members.items()
    }
    return AnonymousRatings(round_id=round_.pk, responses=order, groups=groups)


# The responses' code order is handed to the database as one JSON array, joined by position: one query
# whatever the number of respondents (an IN list or a VALUES list would run into SQLite's limit of
# variables), and the database sorts the rows, so nothing holds them all at once.
_CODE_ORDER = {
    "postgresql": (
        "SELECT value::bigint AS response_id, ordinality AS code"
        " FROM jsonb_array_elements_text(%s::jsonb) WITH ORDINALITY"
    ),
    "sqlite": "SELECT CAST(value AS INTEGER) AS response_id, key + 1 AS code FROM json_each(%s)",
}
_RATING_ROWS = """
    SELECT codes.code, rating.response_id, rubric.slug, key_action.position, level.position
    FROM assessments_rating rating
    JOIN ({code_order}) codes ON codes.response_id = rating.response_id
    JOIN rubrics_keyaction key_action ON key_action.id = rating.key_action_id
    JOIN rubrics_rubric rubric ON rubric.id = key_action.rubric_id
    JOIN assessments_roundrubric round_rubric ON round_rubric.rubric_id = rubric.id AND round_rubric.round_id = %s
    LEFT JOIN rubrics_level level ON level.id = rating.level_id
    WHERE rating.level_id IS NOT NULL OR rating.not_sure
    ORDER BY codes.code, round_rubric.position, key_action.position
"""
ROWS_PER_FETCH = 2000


def anonymized_rating_rows(ratings: AnonymousRatings) -> Iterator[list[tuple[int, int, str, int, int | None]]]:
    """(code number, response id, rubric slug, key action position, level position or None for "Not
    sure"), in code order, in batches: one query, read through a server-side cursor on PostgreSQL."""
    sql = _RATING_ROWS.format(code_order=_CODE_ORDER[connection.vendor])
    with connection.chunked_cursor() as cursor:
        cursor.execute(sql, [json.dumps(ratings.responses), ratings.round_id])
        while batch := cursor.fetchmany(ROWS_PER_FETCH):
            yield batch


def round_reports(*, round: Round) -> QuerySet[ReportExport]:
    return ReportExport.objects.filter(round=round).order_by("-created_at", "-pk")
