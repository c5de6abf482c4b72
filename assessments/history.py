"""Results over time: a team's closed rounds side by side (SPEC §4 item 7),
and the organization's grid of teams × key actions for leads; and the reads
behind the files made from a round's results.

Rubric versions may differ between rounds, so a key action is followed by
its rubric's slug and its position, never by its id. Every figure comes from
grouped counts fetched for all rounds at once: the number of queries does not
grow with the number of rounds or teams."""

from __future__ import annotations

import secrets
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.http import Http404

from convening.models import Organization, Role, Team, User
from rubrics.models import KeyAction, Level, Rubric

from .aggregation import median_of
from .models import Consensus, Rating, ReportExport, Response, Round, RoundRubric, RoundStatus
from .results import RoundResults
from .selectors import get_round_for

# (rubric slug, key action position): the same key action across rubric versions.
KeyActionRef = tuple[str, int]


@dataclass(frozen=True)
class Change:
    """How a figure moved since the previous round that rated the key action."""

    delta: float

    @property
    def direction(self) -> str:
        return "up" if self.delta > 0 else "down" if self.delta < 0 else "same"

    @property
    def size(self) -> float:
        return abs(self.delta)


@dataclass(frozen=True)
class HistoryPoint:
    """One key action in one round; `rated` is false when the round did not
    use the key action's rubric."""

    round: Round
    rated: bool
    n: int
    median: float | None
    consensus: int | None
    consensus_name: str  # the agreed level's name in the round's version
    median_change: Change | None
    consensus_change: Change | None


@dataclass(frozen=True)
class KeyActionHistory:
    slug: str
    position: int
    title: str
    levels: list[str]  # level names of the newest version, lowest first
    points: list[HistoryPoint]  # one per round, oldest first


@dataclass(frozen=True)
class RubricHistory:
    slug: str
    title: str
    key_actions: list[KeyActionHistory]


@dataclass(frozen=True)
class TeamHistory:
    team: Team
    rounds: list[Round]
    rubrics: list[RubricHistory]


def _ended_at() -> Coalesce:
    # Closed by hand before its date: closed_at; otherwise its closing date.
    return Coalesce("closed_at", "closes_at")


def closed_rounds(*, team: Team) -> QuerySet[Round]:
    return (
        Round.objects.filter(team=team, status=RoundStatus.CLOSED)
        .annotate(ended_at=_ended_at())
        .order_by("ended_at", "pk")
    )


def _round_rubrics(round_ids: Iterable[int]) -> list[RoundRubric]:
    """The rubrics of the rounds with their levels and key actions (three queries)."""
    return list(
        RoundRubric.objects.filter(round_id__in=list(round_ids))
        .select_related("rubric")
        .prefetch_related(
            Prefetch("rubric__levels", queryset=Level.objects.order_by("position")),
            Prefetch("rubric__key_actions", queryset=KeyAction.objects.order_by("position")),
        )
        .order_by("position", "pk")
    )


def _level_counts(round_ids: Sequence[int]) -> dict[tuple[int, KeyActionRef], dict[int, int]]:
    """(round id, key action) → {level position: ratings} over submitted
    responses, "Not sure" left out as in SPEC §5: one grouped query."""
    rows = (
        Rating.objects.filter(
            response__round_id__in=round_ids, response__submitted_at__isnull=False, level__isnull=False
        )
        .values("response__round_id", "key_action__rubric__slug", "key_action__position", "level__position")
        .annotate(count=Count("pk"))
        .order_by()
    )
    counts: dict[tuple[int, KeyActionRef], dict[int, int]] = defaultdict(dict)
    for row in rows:
        ref = (row["key_action__rubric__slug"], row["key_action__position"])
        counts[row["response__round_id"], ref][row["level__position"]] = row["count"]
    return counts


def _consensus_positions(round_ids: Sequence[int]) -> dict[tuple[int, KeyActionRef], int]:
    """(round id, key action) → level position of the current (latest)
    consensus record, for all the rounds in one query."""
    latest = Consensus.objects.filter(round=OuterRef("round"), key_action=OuterRef("key_action")).order_by(
        "-recorded_at", "-pk"
    )
    rows = Consensus.objects.filter(round_id__in=round_ids, pk=Subquery(latest.values("pk")[:1])).values_list(
        "round_id", "key_action__rubric__slug", "key_action__position", "level__position"
    )
    return {(round_id, (slug, position)): level for round_id, slug, position, level in rows}


def _median(counts: dict[int, int], levels: int) -> tuple[int, float | None]:
    ordered = [counts.get(position, 0) for position in range(1, levels + 1)]
    return sum(ordered), median_of(ordered)


def _level_name(levels: list[Level], position: float | None) -> str:
    """The name of the level at `position`; empty for none, or for a median
    between two levels."""
    if position is None or not float(position).is_integer():
        return ""
    return next((level.name for level in levels if level.position == position), "")


def _change(current: float | None, previous: float | None) -> Change | None:
    return None if current is None or previous is None else Change(delta=current - previous)


def team_history(*, team: Team) -> TeamHistory:
    """Six queries whatever the number of rounds: the closed rounds, their
    rubrics with levels and key actions (three), the grouped level counts and
    the current consensus records."""
    rounds = list(closed_rounds(team=team))
    round_ids = [round_.pk for round_ in rounds]
    round_rubrics = _round_rubrics(round_ids)
    counts = _level_counts(round_ids)
    consensus = _consensus_positions(round_ids)

    # The newest version of each rubric names it, its key actions and levels;
    # rubrics are listed in the order the newest round shows them.
    ended = {round_.pk: index for index, round_ in enumerate(rounds)}
    newest: dict[str, Rubric] = {}
    used: dict[str, dict[int, Rubric]] = defaultdict(dict)  # slug → round id → that round's version
    for round_rubric in sorted(round_rubrics, key=lambda rr: (-ended[rr.round_id], rr.position)):
        slug = round_rubric.rubric.slug
        newest.setdefault(slug, round_rubric.rubric)
        used[slug][round_rubric.round_id] = round_rubric.rubric

    rubrics = []
    for slug, rubric in newest.items():
        key_actions = []
        for key_action in rubric.key_actions.all():
            ref = (slug, key_action.position)
            points: list[HistoryPoint] = []
            last_median = last_consensus = None
            for round_ in rounds:
                version = used[slug].get(round_.pk)
                if version is None:
                    points.append(
                        HistoryPoint(
                            round=round_,
                            rated=False,
                            n=0,
                            median=None,
                            consensus=None,
                            consensus_name="",
                            median_change=None,
                            consensus_change=None,
                        )
                    )
                    continue
                levels = list(version.levels.all())
                n, median = _median(counts.get((round_.pk, ref), {}), len(levels))
                agreed = consensus.get((round_.pk, ref))
                points.append(
                    HistoryPoint(
                        round=round_,
                        rated=True,
                        n=n,
                        median=median,
                        consensus=agreed,
                        consensus_name=_level_name(levels, agreed),
                        median_change=_change(median, last_median),
                        consensus_change=_change(agreed, last_consensus),
                    )
                )
                last_median, last_consensus = median, agreed
            key_actions.append(
                KeyActionHistory(
                    slug=slug,
                    position=key_action.position,
                    title=key_action.title,
                    levels=[level.name for level in rubric.levels.all()],
                    points=points,
                )
            )
        rubrics.append(RubricHistory(slug=slug, title=rubric.title, key_actions=key_actions))
    return TeamHistory(team=team, rounds=rounds, rubrics=rubrics)


# The organization's overview -----------------------------------------------------


@dataclass(frozen=True)
class OverviewCell:
    """A team's standing on one key action: the consensus of its latest
    closed round, or the median when no consensus was recorded."""

    level: float | None
    is_consensus: bool
    level_name: str  # the level's name; empty for a median between two levels
    n: int
    levels: int  # how many levels the round's version has

    @property
    def whole_level(self) -> int:
        """The level a median between two levels is coloured as: the lower."""
        return int(self.level or 0)

    @property
    def meter(self) -> str:
        """The level as a shape, for readers who cannot tell the colours apart:
        ■■■□ is level 3 of 4, ■■◧□ a median of 2.5."""
        if self.level is None:
            return ""
        whole = int(self.level)
        half = "◧" if not self.level.is_integer() else ""
        return ("■" * whole + half).ljust(self.levels, "□")


@dataclass(frozen=True)
class OverviewRow:
    team: Team
    round: Round | None  # the latest closed round that used the rubric
    cells: list[OverviewCell | None]  # one per key action; None when not rated


@dataclass(frozen=True)
class OverviewRubric:
    slug: str
    title: str
    levels: list[Level]
    key_actions: list[KeyAction]
    rows: list[OverviewRow]


def overview_rubric_choices(*, organization: Organization) -> list[tuple[str, str]]:
    """(slug, title) of every rubric the organization's closed rounds used,
    one entry per slug, newest version's title (one query)."""
    rows = (
        Rubric.objects.filter(
            round_rubrics__round__organization=organization, round_rubrics__round__status=RoundStatus.CLOSED
        )
        .order_by("slug", "-version")
        .values_list("slug", "title")
        .distinct()
    )
    choices: dict[str, str] = {}
    for slug, title in rows:
        choices.setdefault(slug, title)
    return sorted(choices.items(), key=lambda choice: choice[1].casefold())


def organization_overview(
    *,
    organization: Organization,
    rubric_slug: str = "",
    closed_from: datetime | None = None,
    closed_before: datetime | None = None,
) -> list[OverviewRubric]:
    """Teams × key actions, one table per rubric; for each team and rubric the
    latest round closed from `closed_from` and before `closed_before` that
    used the rubric.
    Seven queries whatever the number of teams: the teams, the rounds' rubrics
    with levels and key actions (three), the grouped level counts and the
    current consensus records."""
    teams = list(organization.teams.order_by("name", "pk"))
    round_rubrics = (
        RoundRubric.objects.filter(round__organization=organization, round__status=RoundStatus.CLOSED)
        .annotate(ended_at=Coalesce("round__closed_at", "round__closes_at"))
        .select_related("round", "rubric")
        .prefetch_related(
            Prefetch("rubric__levels", queryset=Level.objects.order_by("position")),
            Prefetch("rubric__key_actions", queryset=KeyAction.objects.order_by("position")),
        )
        .order_by("-ended_at", "-round_id")
    )
    if rubric_slug:
        round_rubrics = round_rubrics.filter(rubric__slug=rubric_slug)
    if closed_from:
        round_rubrics = round_rubrics.filter(ended_at__gte=closed_from)
    if closed_before:
        round_rubrics = round_rubrics.filter(ended_at__lt=closed_before)

    # Newest first: the first row seen for a (team, slug) is the one shown,
    # and the first version seen for a slug names the columns.
    latest: dict[tuple[int, str], RoundRubric] = {}
    newest: dict[str, Rubric] = {}
    for round_rubric in round_rubrics:
        slug = round_rubric.rubric.slug
        latest.setdefault((round_rubric.round.team_id, slug), round_rubric)
        newest.setdefault(slug, round_rubric.rubric)
    round_ids = sorted({round_rubric.round_id for round_rubric in latest.values()})
    counts = _level_counts(round_ids)
    consensus = _consensus_positions(round_ids)

    tables = []
    for slug, rubric in sorted(newest.items(), key=lambda item: item[1].title.casefold()):
        key_actions = list(rubric.key_actions.all())
        rows = []
        for team in teams:
            shown = latest.get((team.pk, slug))
            if shown is None:
                rows.append(OverviewRow(team=team, round=None, cells=[None] * len(key_actions)))
                continue
            # The round's own version may have fewer key actions than the newest.
            rated = {key_action.position for key_action in shown.rubric.key_actions.all()}
            version_levels = list(shown.rubric.levels.all())
            cells = [
                _overview_cell(
                    counts.get((shown.round_id, (slug, key_action.position)), {}),
                    consensus.get((shown.round_id, (slug, key_action.position))),
                    version_levels,
                )
                if key_action.position in rated
                else None
                for key_action in key_actions
            ]
            rows.append(OverviewRow(team=team, round=shown.round, cells=cells))
        tables.append(
            OverviewRubric(
                slug=slug, title=rubric.title, levels=list(rubric.levels.all()), key_actions=key_actions, rows=rows
            )
        )
    return tables


def _overview_cell(counts: dict[int, int], agreed: int | None, levels: list[Level]) -> OverviewCell:
    n, median = _median(counts, len(levels))
    level = median if agreed is None else float(agreed)
    return OverviewCell(
        level=level, is_consensus=agreed is not None, level_name=_level_name(levels, level), n=n, levels=len(levels)
    )


# Exports and reports ---------------------------------------------------------------


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


def get_report_for(user: User, pk: int) -> ReportExport:
    """A report of a round whose results the person reads (facilitators and
    leads of its organization): 404 and 403 as for the round itself."""
    report = ReportExport.objects.filter(pk=pk).first()
    if report is None:
        raise Http404
    report.round = get_round_for(user, report.round_id, need=(Role.FACILITATOR, Role.LEAD))
    return report
