"""A round's results (SPEC §5): grouped counts fetched in a fixed number of
queries, whatever the number of respondents, turned into statistics by
`aggregation`, with small groups suppressed. Pages, JSON and files all read
`round_results` (or its cache), so the suppression rules hold everywhere."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, OuterRef, Prefetch, Q, Subquery

from assessments.models import Consensus, Invitation, Rating, Response, Round
from rubrics.models import KeyAction, Level, Rubric

from .aggregation import Stats, stats_from_counts, suppressed_groups


@dataclass(frozen=True)
class GroupResult:
    name: str
    respondents: int
    suppressed: bool
    stats: Stats | None


@dataclass(frozen=True)
class KeyActionResult:
    key_action: KeyAction
    levels: list[Level]
    stats: Stats
    consensus: Level | None
    groups: list[GroupResult]


@dataclass(frozen=True)
class RubricResult:
    rubric: Rubric
    levels: list[Level]
    key_actions: list[KeyActionResult]


@dataclass(frozen=True)
class RoundResults:
    round: Round
    invited: int
    submitted: int
    group_respondents: dict[str, int]
    suppressed: set[str]
    comments: dict[int, int]  # key action id → comments (evidence) on it; shown only at or above the threshold
    rubrics: list[RubricResult] = field(default_factory=list)
    # Set when the figures came through the cache (closed rounds): a key that
    # changes whenever they do, for caching what is drawn from them too.
    fingerprint: str = ""


def _rated(prefix: str = "") -> Q:
    return Q(**{f"{prefix}level__isnull": False}) | Q(**{f"{prefix}not_sure": True})


def current_consensus(*, round: Round) -> dict[int, int]:
    """Key action id → level id of the latest consensus record (one query)."""
    latest = Consensus.objects.filter(round=round, key_action=OuterRef("key_action")).order_by("-recorded_at", "-pk")
    rows = Consensus.objects.filter(round=round, pk=Subquery(latest.values("pk")[:1]))
    return dict(rows.values_list("key_action_id", "level_id"))


def round_results(*, round: Round) -> RoundResults:
    # 1–3: the rubrics with their levels and key actions
    rubrics = list(
        round.rubrics.order_by("round_rubrics__position").prefetch_related(
            Prefetch("levels", queryset=Level.objects.order_by("position")),
            Prefetch("key_actions", queryset=KeyAction.objects.order_by("position")),
        )
    )
    submitted = Response.objects.filter(round=round, submitted_at__isnull=False)
    # 4: respondents per stakeholder group
    group_rows = list(
        submitted.values("stakeholder_group_id", "stakeholder_group__name", "stakeholder_group__position")
        .annotate(respondents=Count("pk"), on_paper=Count("pk", filter=Q(invitation__isnull=True)))
        .order_by("stakeholder_group__position", "stakeholder_group__name")
    )
    group_names = {row["stakeholder_group_id"]: row["stakeholder_group__name"] for row in group_rows}
    group_respondents = {row["stakeholder_group__name"]: row["respondents"] for row in group_rows}
    # 5: every rating counted by key action × group × level (None = "Not sure"),
    # and the comments per key action (evidence may come without a level).
    # Filtered through the one join the group needs anyway: `response__in=submitted`
    # would join the responses a second time, in a plan that grows with the table.
    counts: dict[tuple[int, int, int | None], int] = {}
    comments: dict[int, int] = defaultdict(int)
    for row in (
        Rating.objects.filter(response__round=round, response__submitted_at__isnull=False)
        .filter(_rated() | ~Q(evidence=""))
        .values("key_action_id", "response__stakeholder_group_id", "level_id", "not_sure")
        .annotate(count=Count("pk"), comments=Count("pk", filter=~Q(evidence="")))
        .order_by()
    ):
        if row["level_id"] is not None or row["not_sure"]:
            counts[row["key_action_id"], row["response__stakeholder_group_id"], row["level_id"]] = row["count"]
        comments[row["key_action_id"]] += row["comments"]
    # 6: invitations still standing (paper respondents are added as invited too)
    invited = Invitation.objects.filter(round=round, revoked_at__isnull=True).count()
    # 7: current consensus
    consensus = current_consensus(round=round)

    suppressed = suppressed_groups(group_respondents, round.threshold)
    results = RoundResults(
        round=round,
        invited=invited + sum(row["on_paper"] for row in group_rows),
        submitted=sum(group_respondents.values()),
        group_respondents=group_respondents,
        suppressed=suppressed,
        comments={key_action_id: count for key_action_id, count in comments.items() if count},
    )
    per_cell: dict[tuple[int, int], dict[int | None, int]] = defaultdict(dict)
    for (key_action_id, group_id, level_id), count in counts.items():
        per_cell[key_action_id, group_id][level_id] = count
    for rubric in rubrics:
        levels = list(rubric.levels.all())
        level_by_id = {level.pk: level for level in levels}
        key_action_results = []
        for key_action in rubric.key_actions.all():
            group_stats = {
                group_id: _stats(per_cell.get((key_action.pk, group_id), {}), levels) for group_id in group_names
            }
            team = _stats(_sum_cells(per_cell, key_action.pk, group_names), levels)
            groups = [
                GroupResult(
                    name=name,
                    respondents=group_respondents[name],
                    suppressed=name in suppressed,
                    stats=None if name in suppressed else group_stats[group_id],
                )
                for group_id, name in group_names.items()
            ]
            key_action_results.append(
                KeyActionResult(
                    key_action=key_action,
                    levels=levels,
                    stats=team,
                    consensus=level_by_id.get(consensus.get(key_action.pk, 0)),
                    groups=groups,
                )
            )
        results.rubrics.append(RubricResult(rubric=rubric, levels=levels, key_actions=key_action_results))
    return results


def _sum_cells(per_cell, key_action_id: int, group_ids) -> dict[int | None, int]:
    total: dict[int | None, int] = defaultdict(int)
    for group_id in group_ids:
        for level_id, count in per_cell.get((key_action_id, group_id), {}).items():
            total[level_id] += count
    return total


def _stats(cell: dict[int | None, int], levels: list[Level]) -> Stats:
    return stats_from_counts([cell.get(level.pk, 0) for level in levels], not_sure=cell.get(None, 0))
