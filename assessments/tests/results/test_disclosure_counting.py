"""The disclosure rules compare figures by counting kinds of respondents;
these tests hold that counting to the definition it replaces: the private
respondents in the symmetric difference of two figures' members."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from assessments.results.disclosure import Answerer, _figures, _isolates, pairing

answerers = st.builds(Answerer, group=st.integers(1, 4), private=st.booleans(), digest=st.integers(0, 2))
snapshots = st.dictionaries(st.integers(1, 30), answerers, max_size=30)
hidden = st.none() | st.frozensets(st.integers(1, 4), max_size=3)


def members(snapshot, figure):
    return frozenset((pk, answerer) for pk, answerer in snapshot.items() if figure is None or answerer.group in figure)


def isolated_by_sets(first, first_figure, second, second_figure):
    return {pk for pk, answerer in members(first, first_figure) ^ members(second, second_figure) if answerer.private}


@settings(max_examples=300)
@given(first=snapshots, second=snapshots, first_hidden=hidden, second_hidden=hidden, k=st.integers(3, 7))
def test_counting_isolates_exactly_when_the_sets_do(first, second, first_hidden, second_hidden, k):
    # The second snapshot shares some respondents with the first, changed or not.
    second = {**{pk: answerer for pk, answerer in first.items() if pk % 3}, **second}
    kinds = pairing(first, second)
    for first_figure in _figures(first, first_hidden):
        for second_figure in _figures(second, second_hidden):
            expected = len(isolated_by_sets(first, first_figure, second, second_figure))
            assert _isolates(kinds, first_figure, second_figure, k) == (0 < expected < k)


@given(snapshot=snapshots, k=st.integers(3, 7))
def test_a_snapshot_against_itself_differs_only_between_its_own_figures(snapshot, k):
    kinds = pairing(snapshot, snapshot)
    figures = _figures(snapshot, frozenset({1}))
    for first in figures:
        assert not _isolates(kinds, first, first, k)
        for second in figures:
            expected = len(isolated_by_sets(snapshot, first, snapshot, second))
            assert _isolates(kinds, first, second, k) == (0 < expected < k)
