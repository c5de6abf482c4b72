"""Reads behind the files: the anonymized ratings, and a round's PDF reports."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from django.db.models import Q, QuerySet

from assessments.models import Rating, ReportExport, Response, Round
from assessments.results.computation import RoundResults


@dataclass(frozen=True)
class AnonymousRating:
    respondent: str  # a code drawn for this export only
    group: str  # empty where the group is suppressed
    rubric_slug: str
    key_action: int
    level: int | None  # None: "Not sure"


def anonymized_ratings(*, results: RoundResults) -> list[AnonymousRating]:
    """Every submitted rating of the round, each respondent under a code
    drawn afresh for this call: the responses are shuffled by the system's
    random source and numbered R-001…, so a code tells nothing of an id or of
    when someone submitted, and two exports cannot be matched up. Sorted by
    code, so the order gives nothing away either. A suppressed group's name
    is left out, as on every page; evidence is never included. Two queries."""
    submitted = Response.objects.filter(round=results.round, submitted_at__isnull=False)
    responses = list(submitted.values_list("pk", "stakeholder_group__name"))
    secrets.SystemRandom().shuffle(responses)
    width = max(3, len(str(len(responses))))
    codes = {pk: f"R-{number:0{width}d}" for number, (pk, _group) in enumerate(responses, start=1)}
    groups = {pk: "" if group in results.suppressed else group for pk, group in responses}
    rubric_order = {rubric_result.rubric.pk: index for index, rubric_result in enumerate(results.rubrics)}
    rows = (
        Rating.objects.filter(response__in=submitted)
        .filter(Q(level__isnull=False) | Q(not_sure=True))
        .values_list(
            "response_id",
            "key_action__rubric_id",
            "key_action__rubric__slug",
            "key_action__position",
            "level__position",
        )
        .order_by()
    )
    ratings = sorted(
        (
            (codes[response_id], rubric_order.get(rubric_id, 0), position),
            AnonymousRating(codes[response_id], groups[response_id], slug, position, level),
        )
        for response_id, rubric_id, slug, position, level in rows
        if response_id in codes  # submitted between the two queries: in the next export
    )
    return [rating for _key, rating in ratings]


def round_reports(*, round: Round) -> QuerySet[ReportExport]:
    return ReportExport.objects.filter(round=round).order_by("-created_at", "-pk")
