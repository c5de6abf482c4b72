"""Reads behind the files: the anonymized ratings, and a round's PDF reports."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from assessments.models import Rating, Release, ReportExport, Round, RoundStatus
from assessments.results.computation import RoundResults
from assessments.results.releases import response_digests
from convening.models import StakeholderGroup


@dataclass(frozen=True)
class AnonymousRating:
    respondent: str  # a code drawn for this export only
    group: str  # empty where the group is suppressed
    rubric_slug: str
    key_action: int
    level: int | None  # None: "Not sure"


class RatingsNotOffered(Exception):
    """Why the anonymized ratings cannot be downloaded now (SPEC §5.1 rule 4)."""


def anonymized_ratings(*, results: RoundResults) -> list[AnonymousRating]:
    """The ratings of the current release's respondents, each under a code
    drawn afresh for this call: the respondents are shuffled by the system's
    random source and numbered R-001…, so a code tells nothing of an id or of
    when someone submitted, and two exports cannot be matched up. Sorted by
    code, so the order gives nothing away either. Offered once the round has
    closed; a group's name only while the release is the round's first and
    the group is shown (a revised row could otherwise be matched to its
    earlier version); evidence never. Refused (RatingsNotOffered) while a
    released response has changed since, as its rows would no longer be the
    release's."""
    round_ = results.round
    if round_.status != RoundStatus.CLOSED:
        raise RatingsNotOffered(_("The anonymized ratings can be downloaded once the round has closed."))
    release = Release.objects.filter(round=round_, is_current=True).first()
    if release is None:
        raise RatingsNotOffered(_("This round has no figures to download yet."))
    members = {member.response_id: member for member in release.members.all()}
    now = response_digests(response_ids=list(members))
    if any(now.get(pk) != member.digest for pk, member in members.items()):
        raise RatingsNotOffered(
            _("Some released responses changed since: the file returns with the next release of figures.")
        )
    first = not Release.objects.filter(round=round_, shown_at__isnull=False).exclude(pk=release.pk).exists()
    names = dict(
        StakeholderGroup.objects.filter(pk__in={m.group_id for m in members.values()}).values_list("pk", "name")
    )
    hidden = {int(pk) for pk, entry in release.figures["groups"].items() if entry["hidden"]}
    order = list(members)
    secrets.SystemRandom().shuffle(order)
    width = max(3, len(str(len(order))))
    codes = {pk: f"R-{number:0{width}d}" for number, pk in enumerate(order, start=1)}
    groups = {
        pk: names.get(member.group_id, "") if first and member.group_id not in hidden else ""
        for pk, member in members.items()
    }
    rubric_order = {rubric_result.rubric.pk: index for index, rubric_result in enumerate(results.rubrics)}
    rows = (
        Rating.objects.filter(response_id__in=order)
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
    )
    return [rating for _key, rating in ratings]


def round_reports(*, round: Round) -> QuerySet[ReportExport]:
    return ReportExport.objects.filter(round=round).order_by("-created_at", "-pk")
