"""The statistics of SPEC §5, computed from grouped counts (never from rows),
and the suppression rule for small stakeholder groups. Every output (pages,
JSON, CSV, XLSX, PDF) goes through these functions.

`counts[i]` is the number of ratings at level i + 1; "Not sure" answers are
counted apart and take no part in any statistic.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

DISCUSS_BELOW_AGREEMENT = 0.5
DISCUSS_FROM_SPAN = 3  # ratings over three or more levels


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


def span_of(counts: Sequence[int]) -> int:
    """How many levels the ratings stretch over, lowest to highest inclusive."""
    used = [level for level, count in enumerate(counts, start=1) if count]
    return used[-1] - used[0] + 1 if used else 0


def stats_from_counts(counts: Sequence[int], not_sure: int = 0) -> Stats:
    n = sum(counts)
    agreement = agreement_of(counts)
    discuss = (agreement is not None and agreement < DISCUSS_BELOW_AGREEMENT) or span_of(counts) >= DISCUSS_FROM_SPAN
    return Stats(
        n=n,
        not_sure=not_sure,
        counts=tuple(counts),
        percent=tuple(count / n for count in counts) if n else tuple(0.0 for _ in counts),
        median=median_of(counts),
        mean=mean_of(counts),
        agreement=agreement,
        discuss=discuss,
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
