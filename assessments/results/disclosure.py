"""SPEC §5.1 as pure rules: when a new release may be made, and which
stakeholder groups it must hide, given who answered what now and in the
releases already shown. No database here: `releases` feeds these functions
and stores what they decide, and the property test drives them directly.

A respondent is a response id with an `Answerer`: their group, whether they
answered privately (online) or on paper, and a digest of everything they
contribute to the figures and comments. Two snapshots *differ* in a
respondent who is in one and not the other, or whose answerer changed.

The rule behind every check: whatever an observer subtracts (one release
from another, shown groups from the team, either release's hidden groups
together), the respondents who differ number 0 or at least k, and so do the
private ones among them (paper forms are known to whoever typed them)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum


@dataclass(frozen=True)
class Answerer:
    group: int
    private: bool
    digest: int


Snapshot = Mapping[int, Answerer]


class Withheld(StrEnum):
    """Why figures are not shown; each has its own words on the pages."""

    FEW = "few"  # fewer than k respondents
    PRIVATE = "private"  # fewer than k answered privately
    CHANGES = "changes"  # fewer than k changed since a release already shown
    COMPLEMENT = "complement"  # hidden so that a smaller group cannot be worked out


@dataclass(frozen=True)
class Earlier:
    """A release already shown: who it counted, and, when its groups were
    shown, which of them it hid."""

    members: Snapshot
    hidden_groups: frozenset[int] | None  # None: its groups were never shown


@dataclass(frozen=True)
class Tally:
    total: int
    private: int

    def is_small(self, k: int) -> bool:
        return 0 < self.total < k or 0 < self.private < k


def tally(answerers: Iterable[Answerer]) -> Tally:
    total = private = 0
    for answerer in answerers:
        total += 1
        private += answerer.private
    return Tally(total=total, private=private)


def differing(old: Snapshot, new: Snapshot) -> list[tuple[Answerer | None, Answerer | None]]:
    """(before, after) of each respondent who differs; None where absent."""
    changes: list[tuple[Answerer | None, Answerer | None]] = [
        (before, new.get(pk)) for pk, before in old.items() if new.get(pk) != before
    ]
    changes += [(None, after) for pk, after in new.items() if pk not in old]
    return changes


def _private(change: tuple[Answerer | None, Answerer | None]) -> bool:
    return any(answerer is not None and answerer.private for answerer in change)


def _tally_changes(changes: Sequence[tuple[Answerer | None, Answerer | None]]) -> Tally:
    return Tally(total=len(changes), private=sum(_private(change) for change in changes))


# A figure as the respondents it aggregates, each with what they contributed.
Cell = frozenset[tuple[int, Answerer]]


def _cells(members: Snapshot, hidden: Iterable[int] | None) -> list[Cell]:
    """Every figure an observer reads of one release: the team's, and once
    its groups are shown, each shown group's and the hidden groups' together
    (the team minus the shown groups)."""
    team: Cell = frozenset(members.items())
    if hidden is None:
        return [team]
    hidden = set(hidden)
    groups = {answerer.group for answerer in members.values()}
    shown = [frozenset(item for item in team if item[1].group == group) for group in groups - hidden]
    return [team, *shown, frozenset(item for item in team if item[1].group in hidden)]


def _isolates(first: Cell, second: Cell, k: int) -> bool:
    """Whether subtracting one figure from the other leaves the answers of 1
    to k − 1 private respondents (paper ones are known to the observer)."""
    private = {pk for pk, answerer in first ^ second if answerer.private}
    return 0 < len(private) < k


def _known(shown: Sequence[Earlier]) -> list[Cell]:
    return [frozenset(), *(cell for earlier in shown for cell in _cells(earlier.members, earlier.hidden_groups))]


def release_withheld(live: Snapshot, *, shown: Sequence[Earlier], k: int) -> Withheld | None:
    """Why no release of `live` may be made now, or None when one may: the
    team holds at least k respondents, 0 or at least k of them private;
    against every release already shown 0 or at least k respondents differ
    (0 or at least k of them private); and the team's figure, subtracted
    from any figure already shown, leaves 0 or at least k private respondents."""
    team = tally(live.values())
    if team.total < k:
        return Withheld.FEW
    if team.is_small(k):
        return Withheld.PRIVATE
    if any(_tally_changes(differing(earlier.members, live)).is_small(k) for earlier in shown):
        return Withheld.CHANGES
    figure: Cell = frozenset(live.items())
    if any(_isolates(figure, cell, k) for cell in _known(shown)):
        return Withheld.CHANGES
    return None


def hidden_groups(live: Snapshot, *, shown: Sequence[Earlier], k: int) -> dict[int, Withheld]:
    """The groups a release of `live` hides, with why. A group is hidden
    when it holds fewer than k respondents, or 1 to k − 1 private ones, or
    when its figure, subtracted from any figure already shown, leaves 1 to
    k − 1 private respondents. Then the hidden groups together must hold 0
    or at least k respondents, and no two of the release's own figures, nor
    one of them and one already shown, may differ by 1 to k − 1 private
    respondents: else the smallest shown group is hidden too, until that
    holds (at worst every group is hidden, and the team's own rule covers
    the rest)."""
    members: dict[int, list[Answerer]] = {}
    for answerer in live.values():
        members.setdefault(answerer.group, []).append(answerer)
    hidden: dict[int, Withheld] = {}
    for group, answerers in members.items():
        count = tally(answerers)
        if count.total < k:
            hidden[group] = Withheld.FEW
        elif count.is_small(k):
            hidden[group] = Withheld.PRIVATE
    known = _known(shown)
    team: Cell = frozenset(live.items())
    for group in members:
        figure = frozenset(item for item in team if item[1].group == group)
        if group not in hidden and any(_isolates(figure, cell, k) for cell in known):
            hidden[group] = Withheld.CHANGES

    def holds() -> bool:
        if tally(answerer for group in hidden for answerer in members[group]).is_small(k):
            return False
        cells = _cells(live, hidden)
        return not any(_isolates(first, second, k) for first in cells for second in [*cells, *known])

    while not holds():
        shown_groups = sorted((len(answerers), group) for group, answerers in members.items() if group not in hidden)
        if not shown_groups:
            break
        hidden[shown_groups[0][1]] = Withheld.COMPLEMENT
    return hidden
