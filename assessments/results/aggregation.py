"""The statistics of SPEC §5, computed from grouped counts (never from rows),
and the suppression rule for small stakeholder groups. Every output (pages,
JSON, CSV, XLSX, PDF) goes through these functions.

`counts[i]` is the number of ratings at level i + 1; "Not sure" answers are
counted apart and take no part in any statistic.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction

DISCUSS_BELOW_AGREEMENT = 0.5
# A key action is also discussed when at least this share of its ratings lie
# this many levels or more from the median: one outlier in a large group does
# not flag it (the earlier rule, a span of three levels, flagged nearly all).
DISCUSS_FAR_LEVELS = 2
DISCUSS_FAR_SHARE = Fraction(1, 5)


@dataclass(frozen=True)
class Stats:
    n: int
    not_sure: int
    counts: tuple[int, ...]
    percent: tuple[float, ...]
    median: float | None
    mean: float | None
    agreement: float | None
    discuss: bool


def _nth_smallest(counts: Sequence[int], nth: int) -> int:
    """The level (1-based) of the nth smallest rating (1-based)."""
    seen = 0
    for level, count in enumerate(counts, start=1):
        seen += count
        if seen >= nth:
            return level
    raise ValueError("nth is larger than the number of ratings")


def median_of(counts: Sequence[int]) -> float | None:
    n = sum(counts)
    if n == 0:
        return None
    if n % 2:
        return float(_nth_smallest(counts, n // 2 + 1))
    return (_nth_smallest(counts, n // 2) + _nth_smallest(counts, n // 2 + 1)) / 2


def mean_of(counts: Sequence[int]) -> float | None:
    n = sum(counts)
    if n == 0:
        return None
    return sum(level * count for level, count in enumerate(counts, start=1)) / n


def agreement_of(counts: Sequence[int]) -> float | None:
    """r_wg = 1 − s²/σ²_EU: the sample variance against the variance of
    uniformly random answers over the A levels, clamped to [0, 1]."""
    n = sum(counts)
    if n < 2:
        return None
    mean = sum(level * count for level, count in enumerate(counts, start=1)) / n
    sample_variance = sum(count * (level - mean) ** 2 for level, count in enumerate(counts, start=1)) / (n - 1)
    levels = len(counts)
    uniform_variance = (levels**2 - 1) / 12
    return min(1.0, max(0.0, 1 - sample_variance / uniform_variance))


def far_from_median(counts: Sequence[int], median: float) -> int:
    """How many ratings lie DISCUSS_FAR_LEVELS or more from the median (which
    may fall between two levels: 1.5 levels away is not two)."""
    return sum(count for level, count in enumerate(counts, start=1) if abs(level - median) >= DISCUSS_FAR_LEVELS)


def discuss_of(counts: Sequence[int], *, median: float | None, agreement: float | None) -> bool:
    """SPEC §5: agreement below 0.5, or at least a fifth of the ratings two or
    more levels from the median. Compared as fractions, so exactly a fifth counts."""
    if agreement is not None and agreement < DISCUSS_BELOW_AGREEMENT:
        return True
    n = sum(counts)
    return median is not None and n > 0 and far_from_median(counts, median) >= DISCUSS_FAR_SHARE * n


def stats_from_counts(counts: Sequence[int], not_sure: int = 0) -> Stats:
    n = sum(counts)
    agreement = agreement_of(counts)
    median = median_of(counts)
    return Stats(
        n=n,
        not_sure=not_sure,
        counts=tuple(counts),
        percent=tuple(count / n for count in counts) if n else tuple(0.0 for _ in counts),
        median=median,
        mean=mean_of(counts),
        agreement=agreement,
        discuss=discuss_of(counts, median=median, agreement=agreement),
    )


def suppressed_groups(respondents: Mapping[str, int], threshold: int) -> set[str]:
    """The groups whose figures must not be shown.

    A group with fewer than `threshold` respondents is suppressed. Then the
    suppressed groups together must hold no respondents or at least
    `threshold`, else the team total minus the shown groups would give them
    away: the smallest shown groups are suppressed too until that holds.
    Groups without respondents have nothing to hide and are left alone."""
    suppressed = {group for group, count in respondents.items() if 0 < count < threshold}
    hidden = sum(respondents[group] for group in suppressed)
    shown = sorted((count, group) for group, count in respondents.items() if group not in suppressed and count > 0)
    while 0 < hidden < threshold and shown:
        count, group = shown.pop(0)
        suppressed.add(group)
        hidden += count
    return suppressed
