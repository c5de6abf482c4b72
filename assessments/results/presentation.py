"""How a round's figures read on a page: the cells of a distribution table
with the median marked, the median and agreement in words, and the chart.
Shared by the results page and the reports built from the same results, so
the words never differ between them."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from rubrics.models import Level

from .aggregation import DISCUSS_BELOW_AGREEMENT, Stats
from .charts import stacked_bar_svg
from .computation import GroupResult, KeyActionResult

HIGH_AGREEMENT = 0.7


CHART_WIDTH = 420  # scales down with the screen (img-fluid)


@dataclass(frozen=True)
class Cell:
    level: Level
    count: int
    percent: int  # rounded to a whole per cent
    is_median: bool


@dataclass(frozen=True)
class Figures:
    """One distribution (a team's or a stakeholder group's) ready to show."""

    stats: Stats
    cells: list[Cell]
    median_text: str
    agreement_text: str


@dataclass(frozen=True)
class GroupRow:
    name: str
    figures: Figures | None  # None: suppressed
    suppressed_text: str


@dataclass(frozen=True)
class KeyActionDisplay:
    result: KeyActionResult
    figures: Figures
    chart: SafeString
    groups: list[GroupRow]


def agreement_word(agreement: float | None) -> str:
    if agreement is None:
        return _("not enough ratings")
    if agreement >= HIGH_AGREEMENT:
        return _("high")
    if agreement >= DISCUSS_BELOW_AGREEMENT:
        return _("moderate")
    return _("low")


def agreement_text(agreement: float | None) -> str:
    """Reads "0.40 (low)", or "— (not enough ratings)" with fewer than two ratings."""
    if agreement is None:
        return _("— (not enough ratings)")
    return _("%(value).2f (%(word)s)") % {"value": agreement, "word": agreement_word(agreement)}


def median_text(median: float | None, levels: list[Level]) -> str:
    """The median as the level it falls on, or the two levels it falls
    between (x.5, from an even number of ratings)."""
    if median is None:
        return _("no ratings")
    if median.is_integer():
        return _("%(level)s (%(value)g)") % {"level": levels[int(median) - 1].name, "value": median}
    return _("between %(lower)s and %(upper)s (%(value)g)") % {
        "lower": levels[int(median) - 1].name,
        "upper": levels[int(median)].name,
        "value": median,
    }


def figures(stats: Stats, levels: list[Level]) -> Figures:
    # Only a whole median sits in one cell; a median between two levels is told in words.
    median_position = int(stats.median) if stats.median is not None and stats.median.is_integer() else None
    cells = [
        Cell(level=level, count=count, percent=round(100 * share), is_median=level.position == median_position)
        for level, count, share in zip(levels, stats.counts, stats.percent, strict=True)
    ]
    return Figures(
        stats=stats,
        cells=cells,
        median_text=median_text(stats.median, levels),
        agreement_text=agreement_text(stats.agreement),
    )


def group_row(group: GroupResult, levels: list[Level], *, threshold: int) -> GroupRow:
    """A group's figures, or why there are none. A group hidden only so that
    a smaller one cannot be worked out by subtraction is told apart, but
    neither says how many responded."""
    if not group.suppressed and group.stats is not None:
        return GroupRow(name=group.name, figures=figures(group.stats, levels), suppressed_text="")
    if group.respondents < threshold:
        text = _("Not shown: fewer than %(k)d responses.") % {"k": threshold}
    else:
        text = _("Not shown, so that a smaller group's answers cannot be worked out.")
    return GroupRow(name=group.name, figures=None, suppressed_text=text)


def key_action_display(result: KeyActionResult, *, threshold: int) -> KeyActionDisplay:
    stats = result.stats
    return KeyActionDisplay(
        result=result,
        figures=figures(stats, result.levels),
        chart=stacked_bar_svg(
            stats.counts,
            [level.name for level in result.levels],
            title=_("Ratings of “%(title)s”") % {"title": result.key_action.title},
            chart_id=f"chart-ka-{result.key_action.pk}",
            not_sure=stats.not_sure,
            width=CHART_WIDTH,
        ),
        groups=[group_row(group, result.levels, threshold=threshold) for group in result.groups],
    )
