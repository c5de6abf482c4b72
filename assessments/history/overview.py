"""The organization's overview for leads: teams × key actions, one table per
rubric, each team's standing from its latest closed round."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Prefetch
from django.db.models.functions import Coalesce

from assessments.models import Round, RoundRubric, RoundStatus
from convening.models import Organization, Team
from rubrics import localization
from rubrics.models import KeyAction, Level, Rubric

from .selectors import consensus_positions, level_name, n_and_median, released_counts


@dataclass(frozen=True)
class OverviewCell:
    """A team's standing on one key action: the consensus of its latest
    closed round, or the median when no consensus was recorded."""

    level: float | None
    is_consensus: bool
    level_name: str  # the level's name; empty for a median between two levels
    n: int
    levels: int  # how many levels the round's version has
    released: bool  # false: the round shows no figures yet (SPEC §5.1); only a consensus can show

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
    language: str | None = None,
) -> list[OverviewRubric]:
    """Teams × key actions, one table per rubric; for each team and rubric the
    latest round closed from `closed_from` and before `closed_before` that
    used the rubric.
    Seven queries whatever the number of teams: the teams, the rounds' rubrics
    with levels and key actions (three), the rounds' releases and the
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

    # The rubrics' words in `language` where they have a translation into it (by default in their originals).
    language = language or localization.original_language()
    read = list(localization.with_translation_of(round_rubrics, relation="rubric", language=language))
    localization.show_related_in(read, relation="rubric", language=language)

    # Newest first: the first row seen for a (team, slug) is the one shown,
    # and the first version seen for a slug names the columns.
    latest: dict[tuple[int, str], RoundRubric] = {}
    newest: dict[str, Rubric] = {}
    for round_rubric in read:
        slug = round_rubric.rubric.slug
        latest.setdefault((round_rubric.round.team_id, slug), round_rubric)
        newest.setdefault(slug, round_rubric.rubric)
    round_ids = sorted({round_rubric.round_id for round_rubric in latest.values()})
    shown_rounds = {round_rubric.round_id: round_rubric.round for round_rubric in latest.values()}
    counts, released = released_counts([shown_rounds[pk] for pk in round_ids], list(latest.values()))
    consensus = consensus_positions(round_ids)

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
                    released=shown.round_id in released,
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


def _overview_cell(counts: dict[int, int], agreed: int | None, levels: list[Level], *, released: bool) -> OverviewCell:
    n, median = n_and_median(counts, len(levels))
    level = median if agreed is None else float(agreed)
    return OverviewCell(
        level=level,
        is_consensus=agreed is not None,
        level_name=level_name(levels, level),
        n=n,
        levels=len(levels),
        released=released,
    )
