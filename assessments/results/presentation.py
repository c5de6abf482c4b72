"""How a round's figures read on a page: the cells of a distribution table
with the median marked, the median and agreement in words, and the chart.
Shared by the results page and the reports built from the same results, so
the words never differ between them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from rubrics.models import Level

from .aggregation import DISCUSS_BELOW_AGREEMENT, Stats
from .charts import stacked_bar_svg
from .computation import GroupResult, KeyActionResult, RoundResults
from .disclosure import Withheld

HIGH_AGREEMENT = 0.7
SUMMARY_SIZE = 3  # key actions named under "where you agree" and under "where you differ most"


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


def withheld_reason(withheld: Withheld, *, threshold: int) -> str:
    """Why a stakeholder group's figures are not shown, never with how many responded."""
    reasons = {
        Withheld.FEW: _("fewer than %(k)d responses"),
        Withheld.PRIVATE: _("fewer than %(k)d answered privately (online)"),
        Withheld.CHANGES: _("fewer than %(k)d of its responses changed since the figures shown before"),
        Withheld.COMPLEMENT: _("hidden so that a smaller group's answers cannot be worked out"),
    }
    return reasons[withheld] % {"k": threshold}


def group_row(group: GroupResult, levels: list[Level], *, threshold: int) -> GroupRow:
    if not group.suppressed and group.stats is not None:
        return GroupRow(name=group.name, figures=figures(group.stats, levels), suppressed_text="")
    reason = withheld_reason(group.withheld or Withheld.FEW, threshold=threshold)
    return GroupRow(name=group.name, figures=None, suppressed_text=_("Not shown: %(reason)s.") % {"reason": reason})


def release_notes(results: RoundResults) -> list[str]:
    """What the figures hold back, in plain words (SPEC §5.1): shown above
    the figures on every page and in every report that has them."""
    k = results.round.threshold
    if results.withheld == Withheld.FEW:
        return [
            ngettext(
                "Figures appear once %(k)d people have submitted: %(needed)d more response is needed.",
                "Figures appear once %(k)d people have submitted: %(needed)d more responses are needed.",
                results.needed,
            )
            % {"k": k, "needed": results.needed}
        ]
    if results.withheld == Withheld.PRIVATE:
        return [
            _(
                "No figures are shown: fewer than %(k)d of the respondents answered privately (online), and "
                "paper forms are known to whoever typed them."
            )
            % {"k": k}
        ]
    if results.withheld is not None:
        return [_("No figures are shown until at least %(k)d responses differ from those shown before.") % {"k": k}]
    notes = []
    release = results.release
    if release is not None and release.waiting:
        notes.append(
            ngettext(
                "%(waiting)d newer response will appear once %(k)d have come in.",
                "%(waiting)d newer responses will appear once %(k)d have come in.",
                release.waiting,
            )
            % {"waiting": release.waiting, "k": k}
        )
    if not results.groups_shown:
        notes.append(
            _(
                "While the round is open, only the team's figures are shown: the stakeholder groups and the "
                "comments appear once it closes."
            )
        )
    notes += [
        _("%(group)s: %(reason)s.")
        % {"group": group.name, "reason": withheld_reason(group.withheld or Withheld.FEW, threshold=k)}
        for group in _first_groups(results)
        if group.suppressed
    ]
    return notes


def _first_groups(results: RoundResults) -> list[GroupResult]:
    """The groups as every key action lists them (suppression is per release, not per key action)."""
    for rubric in results.rubrics:
        for result in rubric.key_actions:
            return result.groups
    return []


def key_action_display(result: KeyActionResult, *, threshold: int) -> KeyActionDisplay:
    """The figures of a released key action (never called without figures)."""
    stats = result.stats
    assert stats is not None, "a round without figures shows none"
    return KeyActionDisplay(
        result=result,
        figures=figures(stats, result.levels),
        chart=stacked_bar_svg(
            stats.counts,
            [level.name for level in result.levels],
            title=_("Ratings of “%(title)s”") % {"title": result.key_action.title},
            chart_id=f"chart-ka-{result.key_action.pk}",
            not_sure=stats.not_sure,
        ),
        groups=[group_row(group, result.levels, threshold=threshold) for group in result.groups],
    )


def disagreement_key(result: KeyActionResult) -> tuple[bool, bool, float]:
    """Most disagreement first: key actions to discuss, then by agreement from
    the lowest; those with too few ratings to tell agreement come last."""
    stats = result.stats
    if stats is None or stats.agreement is None:
        return (True, True, 0.0)
    return (not stats.discuss, False, stats.agreement)


def by_disagreement(results: Sequence[KeyActionResult]) -> list[KeyActionResult]:
    return sorted(results, key=disagreement_key)  # stable: ties keep the rubric's order


@dataclass(frozen=True)
class SummaryItem:
    result: KeyActionResult
    agreement_text: str
    rubric_title: str = ""  # set when the round has several rubrics, whose key actions share numbers


@dataclass(frozen=True)
class AgreementSummary:
    agree: list[SummaryItem]  # highest agreement first, none of them to discuss
    differ: list[SummaryItem]  # the key actions to discuss, lowest agreement first


def agreement_summary(results: RoundResults, *, size: int = SUMMARY_SIZE) -> AgreementSummary | None:
    """Where the team agrees and where it differs most, across the round's
    rubrics, by agreement. None when the round shows no figures: the summary
    tells no more than the figures shown below it (SPEC §5.1)."""
    if results.withheld is not None:
        return None
    rated = [
        (result, result.stats)
        for rubric in results.rubrics
        for result in rubric.key_actions
        if result.stats is not None and result.stats.agreement is not None
    ]
    if not rated:
        return None
    stats_of = {result.key_action.pk: stats for result, stats in rated}
    several = len(results.rubrics) > 1
    rubric_of = {
        result.key_action.pk: rubric.rubric.title if several else ""
        for rubric in results.rubrics
        for result in rubric.key_actions
    }

    def item(result: KeyActionResult) -> SummaryItem:
        agreement = agreement_text(stats_of[result.key_action.pk].agreement)
        return SummaryItem(result, agreement, rubric_title=rubric_of[result.key_action.pk])

    calm = sorted((pair for pair in rated if not pair[1].discuss), key=lambda pair: -(pair[1].agreement or 0.0))
    differ = [r for r in by_disagreement([result for result, _stats in rated]) if stats_of[r.key_action.pk].discuss]
    return AgreementSummary(
        agree=[item(result) for result, _stats in calm[:size]], differ=[item(r) for r in differ[:size]]
    )
