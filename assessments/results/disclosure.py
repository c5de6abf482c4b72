"""SPEC §5.1 as pure rules: when a new release may be made, and which
stakeholder groups it must hide, given who answered what now and in the
releases already shown. No database here: `releases` feeds these functions
and stores what they decide.

A respondent is a response id with an `Answerer`: their group, whether they
answered privately (online) or on paper, and a digest of everything they
contribute to the figures and comments. Two snapshots *differ* in a
respondent who is in one and not the other, or whose answerer changed.

The rule behind every check: whatever an observer subtracts (one release
from another, shown groups from the team, either release's hidden groups
together), the respondents who differ number 0 or at least k, and so do the
private ones among them (paper forms are known to whoever typed them).

Figures are compared by counting, not by set operations on their members:
two snapshots are paired once (how many respondents of each kind they
hold), and every comparison of their figures is arithmetic on those counts,
so a round of 20,000 costs one pass per release already shown."""

from __future__ import annotations

from collections import Counter
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


# A figure of one snapshot: the respondents of these groups (None: the whole team).
Figure = frozenset[int] | None

# How one respondent stands in two snapshots: group and privacy in the first
# and in the second (None, False where absent), and whether they are the same
# answerer in both.
Kind = tuple[int | None, bool, int | None, bool, bool]


def pairing(first: Snapshot, second: Snapshot) -> Counter[Kind]:
    """How many respondents of each kind two snapshots hold, which is all
    that any comparison of their figures needs (one pass over both)."""
    kinds: Counter[Kind] = Counter()
    for pk, before in first.items():
        after = second.get(pk)
        if after is None:
            kinds[(before.group, before.private, None, False, False)] += 1
        else:
            kinds[(before.group, before.private, after.group, after.private, before == after)] += 1
    for pk, after in second.items():
        if pk not in first:
            kinds[(None, False, after.group, after.private, False)] += 1
    return kinds


def _covers(figure: Figure, group: int | None) -> bool:
    return group is not None and (figure is None or group in figure)


def _isolates(kinds: Counter[Kind], first: Figure, second: Figure, k: int) -> bool:
    """Whether subtracting a figure of the second snapshot from one of the
    first leaves the answers of 1 to k − 1 private respondents (paper ones
    are known to the observer). A respondent the same in both is left when
    exactly one of the figures covers them; one who changed, when either
    figure covers them."""
    private = 0
    for (group_1, private_1, group_2, private_2, same), count in kinds.items():
        in_first, in_second = _covers(first, group_1), _covers(second, group_2)
        left_in_first = private_1 and in_first and not (same and in_second)
        left_in_second = private_2 and in_second and not (same and in_first)
        private += count if left_in_first or left_in_second else 0
    return 0 < private < k


def _figures(members: Snapshot, hidden: Iterable[int] | None) -> list[Figure]:
    """Every figure an observer reads of one release: the team's, and once
    its groups are shown, each shown group's and the hidden groups' together
    (the team minus the shown groups)."""
    if hidden is None:
        return [None]
    hidden = frozenset(hidden)
    groups = {answerer.group for answerer in members.values()}
    return [None, *(frozenset([group]) for group in groups - hidden), hidden]


NOTHING = Earlier(members={}, hidden_groups=None)  # what an observer reads before any release


def _known(live: Snapshot, shown: Sequence[Earlier]) -> list[tuple[Counter[Kind], list[Figure]]]:
    """Each release already shown (and nothing at all) paired with `live`, with its figures."""
    return [
        (pairing(live, earlier.members), _figures(earlier.members, earlier.hidden_groups))
        for earlier in [NOTHING, *shown]
    ]


def _isolates_known(known, figure: Figure, k: int) -> bool:
    return any(_isolates(kinds, figure, other, k) for kinds, others in known for other in others)


# Beside the whole answers and the releases shown: one key action's answers
# (each digest of that answer alone) and its figures already shown in a room.
Alongside = Sequence[tuple[Snapshot, Sequence[Earlier]]]


def release_withheld(live: Snapshot, *, shown: Sequence[Earlier], k: int, alongside: Alongside = ()) -> Withheld | None:
    """Why no release of `live` may be made now, or None when one may: the
    team holds at least k respondents, 0 or at least k of them private;
    against every release already shown 0 or at least k respondents differ
    (0 or at least k of them private); and the team's figure, subtracted
    from any figure already shown, leaves 0 or at least k private respondents.
    The same holds of each key action's answers against its figures shown
    in a meeting (`alongside`)."""
    team = tally(live.values())
    if team.total < k:
        return Withheld.FEW
    if team.is_small(k):
        return Withheld.PRIVATE
    for snapshot, earlier_shown in [(live, shown), *alongside]:
        if any(_tally_changes(differing(earlier.members, snapshot)).is_small(k) for earlier in earlier_shown):
            return Withheld.CHANGES
        if _isolates_known(_known(snapshot, earlier_shown), None, k):
            return Withheld.CHANGES
    return None


def hidden_groups(
    live: Snapshot, *, shown: Sequence[Earlier], k: int, alongside: Alongside = ()
) -> dict[int, Withheld]:
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
    known = [_known(snapshot, earlier_shown) for snapshot, earlier_shown in [(live, shown), *alongside]]
    for group in members:
        if group not in hidden and any(_isolates_known(each, frozenset([group]), k) for each in known):
            hidden[group] = Withheld.CHANGES
    itself = pairing(live, live)

    def holds() -> bool:
        if tally(answerer for group in hidden for answerer in members[group]).is_small(k):
            return False
        figures = _figures(live, hidden)
        return not any(_isolates(itself, first, second, k) for first in figures for second in figures) and not any(
            _isolates_known(each, first, k) for each in known for first in figures
        )

    while not holds():
        shown_groups = sorted((len(answerers), group) for group, answerers in members.items() if group not in hidden)
        if not shown_groups:
            break
        hidden[shown_groups[0][1]] = Withheld.COMPLEMENT
    return hidden
