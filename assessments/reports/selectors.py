"""Reads behind the files: the anonymized ratings, and a round's PDF reports."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from dataclasses import dataclass

from django.db import connection
from django.db.models import Count, Exists, OuterRef, QuerySet
from django.utils.translation import gettext as _

from assessments.models import Release, ReportExport, Response, Round, RoundStatus
from assessments.results.computation import RoundResults
from convening.models import StakeholderGroup


class RatingsNotOffered(Exception):
    """Why the anonymized ratings cannot be downloaded now (SPEC §5.1 rule 4)."""


@dataclass(frozen=True)
class AnonymousRatings:
    """What the anonymized ratings file holds, decided before a byte of it is sent: the release whose
    respondents it lists, how many they are, the name each stakeholder group may be shown with ("" where
    it may not), and the secret that draws this file's codes. No list of respondents: the database
    numbers and sorts them, so a file of any size costs the same memory."""

    round_id: int
    release_id: int
    respondents: int
    group_names: dict[int, str]
    secret: str

    @property
    def code_width(self) -> int:
        return max(3, len(str(self.respondents)))


def anonymized_ratings(*, results: RoundResults) -> AnonymousRatings:
    """The current release's respondents, each under a code drawn afresh for this call: they are numbered
    R-001… in the order of a keyed hash of their ids under a secret of 128 bits from the system's random
    source, made for this file alone, so a code tells nothing of an id or of when someone submitted, and
    two exports cannot be matched up. The file is sorted by code, so its order gives nothing away either.
    Offered once the round has closed; a group's name only while the release is the round's first and the
    group is shown (a revised row could otherwise be matched to its earlier version); evidence never.
    Refused (RatingsNotOffered) while a released response has changed since, as its rows would no longer
    be the release's."""
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
    first = not Release.objects.filter(round=round_, shown_at__isnull=False).exclude(pk=release.pk).exists()
    hidden = {int(pk) for pk, entry in release.figures["groups"].items() if entry["hidden"]}
    counts = release.members.values("group_id").annotate(respondents=Count("pk")).order_by()
    group_ids = {row["group_id"]: row["respondents"] for row in counts}
    names = dict(StakeholderGroup.objects.filter(pk__in=list(group_ids)).values_list("pk", "name"))
    return AnonymousRatings(
        round_id=round_.pk,
        release_id=release.pk,
        respondents=sum(group_ids.values()),
        group_names={pk: names.get(pk, "") if first and pk not in hidden else "" for pk in group_ids},
        secret=secrets.token_hex(16),
    )


# The respondents are numbered in the database, in the order of a keyed hash (HMAC-like: the secret, then
# the id) on PostgreSQL; SQLite, the quick start's database, has no hash function and draws by its own
# random(), seeded from the system's random source. The database then sorts the rows, so nothing in this
# process holds them all at once: one query whatever the number of respondents.
_CODE_ORDER = {
    "postgresql": "sha256(convert_to(%(secret)s || member.response_id::text, 'UTF8'))",
    "sqlite": "random()",
}
_RATING_ROWS = """
    WITH codes AS (
        SELECT member.response_id, member.group_id, row_number() OVER (ORDER BY {code_order}) AS code
        FROM assessments_releasemember member
        WHERE member.release_id = %(release)s
    )
    SELECT codes.code, codes.group_id, rubric.slug, key_action.position, level.position
    FROM codes
    JOIN assessments_rating rating ON rating.response_id = codes.response_id
    JOIN rubrics_keyaction key_action ON key_action.id = rating.key_action_id
    JOIN rubrics_rubric rubric ON rubric.id = key_action.rubric_id
    JOIN assessments_roundrubric round_rubric
        ON round_rubric.rubric_id = rubric.id AND round_rubric.round_id = %(round)s
    LEFT JOIN rubrics_level level ON level.id = rating.level_id
    WHERE rating.level_id IS NOT NULL OR rating.not_sure
    ORDER BY codes.code, round_rubric.position, key_action.position
"""
ROWS_PER_FETCH = 5000


def anonymized_rating_rows(ratings: AnonymousRatings) -> Iterator[list[tuple[int, int, str, int, int | None]]]:
    """(code number, stakeholder group id, rubric slug, key action position, level position or None for
    "Not sure"), in code order, in batches: one query, read through a server-side cursor on PostgreSQL."""
    sql = _RATING_ROWS.format(code_order=_CODE_ORDER[connection.vendor])
    parameters: dict[str, str | int] = {
        "secret": ratings.secret,
        "release": ratings.release_id,
        "round": ratings.round_id,
    }
    with connection.chunked_cursor() as cursor:
        cursor.execute(sql, parameters)
        while batch := cursor.fetchmany(ROWS_PER_FETCH):
            yield batch


def round_reports(*, round: Round) -> QuerySet[ReportExport]:
    return ReportExport.objects.filter(round=round).order_by("-created_at", "-pk")
