"""Results over time: a team's closed rounds side by side (SPEC §4 item 7),
and the grouped reads the organization's overview shares.

Rubric versions may differ between rounds, so a key action is followed by
its rubric's slug and its position, never by its id. Every figure comes from
grouped counts fetched for all rounds at once: the number of queries does not
grow with the number of rounds or teams."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.db.models import OuterRef, Prefetch, QuerySet, Subquery
from django.db.models.functions import Coalesce

from assessments.models import Consensus, Round, RoundRubric, RoundStatus
from assessments.results.aggregation import median_of
from assessments.results.releases import releases_to_show
from convening.models import Team
from rubrics import localization
from rubrics.models import KeyAction, Level, Rubric

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
    released: bool  # false: the round shows no figures yet (SPEC §5.1), so n and median are not known
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


def ended_at() -> Coalesce:
    """When a round ended: closed by hand before its date, closed_at;
    otherwise (and while open) its closing date."""
    return Coalesce("closed_at", "closes_at")


def closed_rounds(*, team: Team) -> QuerySet[Round]:
    return (
        Round.objects.filter(team=team, status=RoundStatus.CLOSED)
        .annotate(ended_at=ended_at())
        .order_by("ended_at", "pk")
    )


def rubrics_of_rounds(round_ids: Iterable[int], *, language: str) -> list[RoundRubric]:
    """The rubrics of the rounds with their levels and key actions (three
    queries), in `language` where they have a translation into it."""
    rows = localization.with_translation_of(
        RoundRubric.objects.filter(round_id__in=list(round_ids)), relation="rubric", language=language
    )
    round_rubrics = list(
        rows.select_related("rubric")
        .prefetch_related(
            Prefetch("rubric__levels", queryset=Level.objects.order_by("position")),
            Prefetch("rubric__key_actions", queryset=KeyAction.objects.order_by("position")),
        )
        .order_by("position", "pk")
    )
    localization.show_related_in(round_rubrics, relation="rubric", language=language)
    return round_rubrics


def released_counts(
    rounds: Sequence[Round], round_rubrics: Sequence[RoundRubric]
) -> tuple[dict[tuple[int, KeyActionRef], dict[int, int]], set[int]]:
    """(round id, key action) → {level position: ratings} of each round's
    release (SPEC §5.1), "Not sure" left out as in SPEC §5, and the ids of
    the rounds that have a release (the others show no figure). One query
    while no round changed; `round_rubrics` name the ids the figures use."""
    releases = releases_to_show(rounds=rounds)
    key_actions: dict[int, KeyActionRef] = {}
    levels: dict[int, int] = {}
    for round_rubric in round_rubrics:
        for key_action in round_rubric.rubric.key_actions.all():
            key_actions[key_action.pk] = (round_rubric.rubric.slug, key_action.position)
        for level in round_rubric.rubric.levels.all():
            levels[level.pk] = level.position
    counts: dict[tuple[int, KeyActionRef], dict[int, int]] = {}
    for round_id, release in releases.items():
        for key_action_id, cells in release.figures["team"].items():
            ref = key_actions.get(int(key_action_id))
            if ref is not None:
                counts[round_id, ref] = {levels[int(c)]: count for c, count in cells.items() if c != "not_sure"}
    return counts, set(releases)


def consensus_positions(round_ids: Sequence[int]) -> dict[tuple[int, KeyActionRef], int]:
    """(round id, key action) → level position of the current (latest)
    consensus record, for all the rounds in one query."""
    latest = Consensus.objects.filter(round=OuterRef("round"), key_action=OuterRef("key_action")).order_by(
        "-recorded_at", "-pk"
    )
    rows = Consensus.objects.filter(round_id__in=round_ids, pk=Subquery(latest.values("pk")[:1])).values_list(
        "round_id", "key_action__rubric__slug", "key_action__position", "level__position"
    )
    return {(round_id, (slug, position)): level for round_id, slug, position, level in rows}


def n_and_median(counts: dict[int, int], levels: int) -> tuple[int, float | None]:
    ordered = [counts.get(position, 0) for position in range(1, levels + 1)]
    return sum(ordered), median_of(ordered)


def level_name(levels: list[Level], position: float | None) -> str:
    """The name of the level at `position`; empty for none, or for a median
    between two levels."""
    if position is None or not float(position).is_integer():
        return ""
    return next((level.name for level in levels if level.position == position), "")


def _change(current: float | None, previous: float | None) -> Change | None:
    return None if current is None or previous is None else Change(delta=current - previous)


def team_history(*, team: Team, language: str | None = None) -> TeamHistory:
    """Six queries whatever the number of rounds: the closed rounds, their
    rubrics with levels and key actions (three), their releases and the
    current consensus records. The rubrics' words are in `language` where
    they have a translation into it (by default in their originals)."""
    rounds = list(closed_rounds(team=team))
    round_ids = [round_.pk for round_ in rounds]
    round_rubrics = rubrics_of_rounds(round_ids, language=language or localization.original_language())
    counts, released = released_counts(rounds, round_rubrics)
    consensus = consensus_positions(round_ids)

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
                            released=False,
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
                n, median = n_and_median(counts.get((round_.pk, ref), {}), len(levels))
                agreed = consensus.get((round_.pk, ref))
                points.append(
                    HistoryPoint(
                        round=round_,
                        rated=True,
                        released=round_.pk in released,
                        n=n,
                        median=median,
                        consensus=agreed,
                        consensus_name=level_name(levels, agreed),
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
