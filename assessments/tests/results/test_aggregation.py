"""SPEC §5 statistics on hand-computed cases, and the suppression rule."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from assessments.results.aggregation import (
    agreement_of,
    far_from_median,
    median_of,
    stats_from_counts,
    suppressed_groups,
)


def test_no_ratings():
    stats = stats_from_counts([0, 0, 0, 0], not_sure=3)
    assert (stats.n, stats.not_sure) == (0, 3)
    assert (stats.median, stats.mean, stats.agreement, stats.discuss) == (None, None, None, False)
    assert stats.percent == (0.0, 0.0, 0.0, 0.0)


def test_one_rating():
    stats = stats_from_counts([0, 0, 1, 0])
    assert (stats.n, stats.median, stats.mean, stats.agreement, stats.discuss) == (1, 3.0, 3.0, None, False)


def test_even_n_takes_the_mean_of_the_middle_two():
    # ratings 1, 2, 2, 2, 3, 3, 3, 4: middle two are 2 and 3
    assert median_of([1, 3, 3, 1]) == 2.5
    assert median_of([0, 1, 1, 0]) == 2.5
    assert median_of([2, 0, 0, 2]) == 2.5


def test_odd_n():
    assert median_of([3, 10, 12, 4]) == 3.0  # the 15th of 29 ratings


def test_spec_example_team_figures():
    stats = stats_from_counts([3, 10, 12, 4], not_sure=2)
    assert stats.n == 29
    assert round(stats.mean, 2) == 2.59
    assert round(stats.agreement, 2) == 0.40
    assert stats.discuss is True  # agreement below 0.5
    assert stats.percent == pytest.approx((3 / 29, 10 / 29, 12 / 29, 4 / 29))


def test_spec_example_family_group():
    stats = stats_from_counts([1, 3, 3, 1])
    assert (stats.median, stats.mean) == (2.5, 2.5)
    # s² = (2.25 + 3·0.25 + 3·0.25 + 2.25) / 7 = 6/7; r_wg = 1 − (6/7)/1.25
    assert stats.agreement == pytest.approx(1 - (6 / 7) / 1.25)
    assert round(stats.agreement, 2) == 0.31


def test_everyone_at_one_level_agrees_fully():
    stats = stats_from_counts([0, 7, 0, 0])
    assert stats.agreement == 1.0
    assert stats.discuss is False


def test_spread_over_all_levels_clamps_agreement_at_zero():
    # half at each extreme: s² = 2.25·n/(n−1) > 1.25, so 1 − s²/σ² < 0
    assert agreement_of([5, 0, 0, 5]) == 0.0
    assert stats_from_counts([5, 0, 0, 5]).discuss is True


def test_not_sure_is_excluded_from_every_figure():
    with_unsure = stats_from_counts([0, 2, 2, 0], not_sure=10)
    without = stats_from_counts([0, 2, 2, 0])
    assert (with_unsure.n, with_unsure.median, with_unsure.mean, with_unsure.agreement) == (
        without.n,
        without.median,
        without.mean,
        without.agreement,
    )


# Discuss (SPEC §5): agreement below 0.5, or at least a fifth of the ratings
# two or more levels from the median.


def test_one_outlier_in_thirteen_ratings_is_not_flagged():
    # 12 at level 3, one at level 1: the outlier is 2 levels from the median 3, but 1 of 13 < a fifth;
    # mean 37/13, s² = (1·(24/13)² + 12·(2/13)²)/12 = 4/13, r_wg = 1 − (4/13)/1.25 = 0.754.
    stats = stats_from_counts([1, 0, 12, 0])
    assert (stats.median, round(stats.agreement, 3)) == (3.0, 0.754)
    assert stats.discuss is False  # the earlier rule (a span of three levels) flagged it


def test_exactly_a_fifth_far_from_the_median_is_flagged_whatever_the_agreement():
    # Six levels: 2 of 10 at level 3, 8 at level 5 (the median): 2 levels away is far, and 2/10 is a fifth;
    # mean 4.6, s² = (2·1.6² + 8·0.4²)/9 = 6.4/9, σ²_EU = 35/12, r_wg = 0.756: agreement alone would not flag it.
    stats = stats_from_counts([0, 0, 2, 0, 8, 0])
    assert (stats.median, round(stats.agreement, 3)) == (5.0, 0.756)
    assert stats.discuss is True


def test_just_under_a_fifth_far_from_the_median_is_not_flagged():
    stats = stats_from_counts([0, 0, 2, 0, 9, 0])  # 2 of 11 < 11/5; r_wg = 0.776
    assert (stats.median, round(stats.agreement, 3)) == (5.0, 0.776)
    assert stats.discuss is False


def test_more_than_a_fifth_far_from_the_median_is_flagged():
    stats = stats_from_counts([0, 0, 3, 0, 8, 0])  # 3 of 11 > 11/5
    assert stats.median == 5.0 and stats.agreement >= 0.5
    assert stats.discuss is True


def test_agreement_below_one_half_is_flagged_with_nobody_far_from_the_median():
    # 5 at level 1, 5 at level 3 (median 2): each is 1 level from it, nobody far; s² = 10/9, r_wg = 0.111.
    stats = stats_from_counts([5, 0, 5, 0])
    assert stats.median == 2.0
    assert round(stats.agreement, 3) == 0.111
    assert stats.discuss is True


def test_a_median_between_two_levels_is_one_and_a_half_from_their_neighbours():
    # Ten ratings over six levels, median 3.5: levels 2 and 5 are 1.5 away (not two), level 6 is 2.5 away.
    near = stats_from_counts([0, 2, 3, 3, 2, 0])
    assert near.median == 3.5 and near.agreement >= 0.5
    assert far_from_median(near.counts, 3.5) == 0
    assert near.discuss is False
    assert far_from_median([0, 2, 3, 3, 0, 2], 3.5) == 2


def test_two_neighbouring_levels_with_good_agreement_need_no_discussion():
    stats = stats_from_counts([0, 5, 5, 0])
    assert stats.agreement == pytest.approx(1 - (5 * 0.25 * 2 / 9) / 1.25)
    assert stats.discuss is False


def test_other_level_counts_use_their_own_uniform_variance():
    # A = 5: σ²_EU = (25 − 1)/12 = 2
    assert agreement_of([1, 0, 0, 0, 1]) == 0.0
    assert agreement_of([0, 1, 1, 0, 0]) == pytest.approx(1 - 0.5 / 2)


# Suppression


def test_groups_under_k_are_suppressed_with_their_complement_safe():
    # Advocate (2) alone would be recoverable: total − shown = 2 < 5, so the
    # smallest shown group (Provider, 5) goes too.
    respondents = {"Family": 8, "Educator": 12, "Provider": 5, "Advocate": 2}
    assert suppressed_groups(respondents, 5) == {"Advocate", "Provider"}


def test_two_small_groups_together_reaching_k_are_enough():
    respondents = {"Family": 8, "Advocate": 2, "Other": 3}
    assert suppressed_groups(respondents, 5) == {"Advocate", "Other"}


def test_all_groups_under_k():
    respondents = {"Family": 2, "Advocate": 1}
    assert suppressed_groups(respondents, 5) == {"Family", "Advocate"}


def test_nothing_suppressed_when_every_group_reaches_k():
    assert suppressed_groups({"Family": 5, "Educator": 6}, 5) == set()


def test_empty_groups_have_nothing_to_hide():
    assert suppressed_groups({"Family": 6, "Educator": 7, "Advocate": 0}, 5) == set()


@given(
    sizes=st.dictionaries(st.text(min_size=1, max_size=6), st.integers(min_value=0, max_value=40), max_size=8),
    threshold=st.integers(min_value=3, max_value=10),
)
def test_no_suppressed_group_can_be_recovered_from_what_is_shown(sizes, threshold):
    suppressed = suppressed_groups(sizes, threshold)
    shown = {group: count for group, count in sizes.items() if group not in suppressed and count > 0}
    # every shown group is large enough on its own …
    assert all(count >= threshold for count in shown.values())
    # … and the total minus the shown groups reveals either nothing or a crowd
    # of at least k. (When every group is hidden nothing is subtracted: the
    # team's own figures are all there is, as SPEC §5 has it.)
    hidden = sum(sizes.values()) - sum(shown.values())
    assert hidden == 0 or hidden >= threshold or not shown
    # and no group was hidden without need: only groups under k, plus the smallest shown ones
    small = {group for group, count in sizes.items() if 0 < count < threshold}
    assert small <= suppressed
    extra = suppressed - small
    if extra:
        assert max(sizes[g] for g in extra) <= min(shown.values(), default=float("inf"))
