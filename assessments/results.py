"""A round's results (SPEC §5): grouped counts fetched in a fixed number of
queries, whatever the number of respondents, turned into statistics by
`aggregation`, with small groups suppressed. Pages, JSON and exports all read
`round_results`, so the suppression rules hold everywhere."""

from __future__ import annotations

import hashlib
from collections import defaultdict
from dataclasses import dataclass, field, replace

from django.core.cache import cache
from django.db import connection
from django.db.models import Count, OuterRef, Prefetch, Q, Subquery

from convening.models import StakeholderGroup
from rubrics.models import KeyAction, Level, Rubric

from .aggregation import Stats, stats_from_counts, suppressed_groups
from .models import Consensus, Invitation, Rating, Response, Round, RoundStatus

# A safety net only: every change the product makes to a closed round's
# figures changes its fingerprint (see `_closed_round_fingerprint`).
RESULTS_CACHE_SECONDS = 24 * 60 * 60
MEAN_DECIMALS = 2
AGREEMENT_DECIMALS = 2
PERCENT_DECIMALS = 4


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
                    consensus=level_by_id.get(consensus.get(key_action.pk)),
                    groups=groups,
                )
            )
        results.rubrics.append(RubricResult(rubric=rubric, levels=levels, key_actions=key_action_results))
    return results


def _closed_round_fingerprint(round: Round) -> str:
    """What a closed round's figures depend on that can still change, in two
    small queries: paper responses added (and responses gone with a deleted
    person) move the responses' count or highest id; a consensus recorded,
    the consensus records'; a revoked or deleted invitation, the invitations';
    a renamed or reordered group, the groups' rows. Closing again after a
    reopening moves `closed_at`. Ratings themselves change only while a round
    is open, and open rounds are never cached."""
    tables = {
        "response": Response._meta.db_table,
        "invitation": Invitation._meta.db_table,
        "consensus": Consensus._meta.db_table,
    }
    # COUNT and MAX in one aggregate per table: a lone MAX(id) tempts the
    # planner to walk the whole primary key backwards (0.8 s at national size).
    sql = f"""
        SELECT r.n, r.last, i.n, i.last, c.n, c.last
        FROM (SELECT COUNT(*) AS n, MAX(id) AS last FROM {tables["response"]} WHERE round_id = %s) r
        CROSS JOIN (SELECT SUM(CASE WHEN revoked_at IS NULL THEN 1 ELSE 0 END) AS n, MAX(id) AS last
                    FROM {tables["invitation"]} WHERE round_id = %s) i
        CROSS JOIN (SELECT COUNT(*) AS n, MAX(id) AS last FROM {tables["consensus"]} WHERE round_id = %s) c
    """  # noqa: S608 — table names from the models
    with connection.cursor() as cursor:
        cursor.execute(sql, [round.pk] * 3)
        counts = cursor.fetchone()
    groups = list(
        StakeholderGroup.objects.filter(organization_id=round.organization_id)
        .order_by("pk")
        .values_list("pk", "name", "position")
    )
    state = (round.pk, round.closed_at.isoformat() if round.closed_at else "", round.threshold, counts, groups)
    return hashlib.sha256(repr(state).encode()).hexdigest()


def round_results_cached(*, round: Round) -> RoundResults:
    """`round_results`, kept in the shared cache once the round is closed,
    when its figures are read again and again (results page, JSON, exports)
    but seldom change. An open round is always counted afresh: its answers
    change at any moment."""
    if round.status != RoundStatus.CLOSED:
        return round_results(round=round)
    fingerprint = _closed_round_fingerprint(round)
    # The version changes with the cached classes' shape, so a deployment never unpickles an older one.
    key = f"round-results:v1:{fingerprint}"
    results = cache.get(key)
    if results is None:
        results = round_results(round=round)
        cache.set(key, results, RESULTS_CACHE_SECONDS)
    # The round's own fields (name, team) are read live, never from the cache.
    return replace(results, round=round, fingerprint=fingerprint)


def _sum_cells(per_cell, key_action_id: int, group_ids) -> dict[int | None, int]:
    total: dict[int | None, int] = defaultdict(int)
    for group_id in group_ids:
        for level_id, count in per_cell.get((key_action_id, group_id), {}).items():
            total[level_id] += count
    return total


def _stats(cell: dict[int | None, int], levels: list[Level]) -> Stats:
    return stats_from_counts([cell.get(level.pk, 0) for level in levels], not_sure=cell.get(None, 0))


# The exchange shape of GET /rounds/<id>/results.json ---------------------------


def _figures(stats: Stats) -> dict:
    return {
        "n": stats.n,
        "not_sure": stats.not_sure,
        "counts": list(stats.counts),
        "percent": [round(p, PERCENT_DECIMALS) for p in stats.percent],
        "median": stats.median,
        "mean": None if stats.mean is None else round(stats.mean, MEAN_DECIMALS),
        "agreement": None if stats.agreement is None else round(stats.agreement, AGREEMENT_DECIMALS),
        "discuss": stats.discuss,
    }


def results_as_json(results: RoundResults) -> dict:
    round_ = results.round
    return {
        "round": {
            "id": round_.pk,
            "name": round_.name,
            "team": round_.team.name,
            "status": round_.status,
            "threshold": round_.threshold,
            "invited": results.invited,
            "submitted": results.submitted,
        },
        "rubrics": [
            {
                "slug": rubric_result.rubric.slug,
                "title": rubric_result.rubric.title,
                "key_actions": [
                    {
                        "position": result.key_action.position,
                        "title": result.key_action.title,
                        **_figures(result.stats),
                        "consensus": result.consensus.position if result.consensus else None,
                        "groups": [
                            {"name": group.name, "suppressed": True}
                            if group.suppressed
                            else {"name": group.name, **_figures(group.stats)}
                            for group in result.groups
                        ],
                    }
                    for result in rubric_result.key_actions
                ],
            }
            for rubric_result in results.rubrics
        ],
    }
