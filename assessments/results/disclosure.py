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


def _touching(changes, groups: frozenset[int] | set[int]):
    """The changes of respondents who were or are in one of `groups`."""
    return [
        change for change in changes if any(answerer is not None and answerer.group in groups for answerer in change)
    ]


def release_withheld(live: Snapshot, *, shown: Sequence[Earlier], k: int) -> Withheld | None:
    """Why no release of `live` may be made now, or None when one may: the
    team holds at least k respondents, 0 or at least k of them private, and
    against every release already shown 0 or at least k respondents differ
    (0 or at least k of them private)."""
    team = tally(live.values())
    if team.total < k:
        return Withheld.FEW
    if team.is_small(k):
        return Withheld.PRIVATE
    if any(_tally_changes(differing(earlier.members, live)).is_small(k) for earlier in shown):
        return Withheld.CHANGES
    return None


def hidden_groups(live: Snapshot, *, shown: Sequence[Earlier], k: int) -> dict[int, Withheld]:
    """The groups a release of `live` hides, with why. A group is hidden
    when it holds fewer than k respondents, or 1 to k − 1 private ones, or
    when 1 to k − 1 of its respondents (or of its private ones) differ from
    a release whose groups were shown. Then the hidden groups together must
    hold 0 or at least k respondents (and private ones), and against each
    such release the respondents of its hidden groups and of these together
    must differ by 0 or at least k: else the smallest shown group is hidden
    too, until that holds (at worst every group is hidden, and the team's
    own rule covers the rest)."""
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
    compared = [
        (earlier.hidden_groups, differing(earlier.members, live))
        for earlier in shown
        if earlier.hidden_groups is not None
    ]
    for _earlier_hidden, changes in compared:
        for group in members:
            if group not in hidden and _tally_changes(_touching(changes, {group})).is_small(k):
                hidden[group] = Withheld.CHANGES

    def holds() -> bool:
        together = tally(answerer for group in hidden for answerer in members[group])
        if together.is_small(k):
            return False
        return not any(
            _tally_changes(_touching(changes, earlier_hidden | set(hidden))).is_small(k)
            for earlier_hidden, changes in compared
        )

    while not holds():
        shown_groups = sorted((len(answerers), group) for group, answerers in members.items() if group not in hidden)
        if not shown_groups:
            break
        hidden[shown_groups[0][1]] = Withheld.COMPLEMENT
    return hidden
