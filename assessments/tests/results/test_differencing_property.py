"""SPEC §5.1 as a property, over random histories of a round driven through
the services, read through `round_results` (what every output shows)."""

from __future__ import annotations

from datetime import timedelta
from itertools import combinations

import pytest
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assessments.invitations.services import invitation_revoke
from assessments.models import ReleaseMember, Round, RoundStatus
from assessments.paper.checks import PaperAnswer
from assessments.paper.services import paper_response_create
from assessments.rating.services import rating_save, response_submit
from assessments.results.computation import round_results
from assessments.rounds.services import round_close, round_reopen
from assessments.tests.results_helpers import cae_round, invite_to
from convening.models import StakeholderGroup
from convening.tests.factories import UserFactory

pytestmark = pytest.mark.django_db

GROUPS = ["Family", "Educator", "Advocate"]
levels = st.lists(st.integers(1, 4), min_size=5, max_size=5)
# One large group beside two small ones, as rounds have: small groups are where the rules bite.
groups = st.sampled_from([0, 0, 0, 1, 2])
events = st.lists(
    st.one_of(
        # Submissions and paper forms more likely than the rest, so that rounds reach k, and k again.
        *[st.tuples(st.just("submit"), groups, levels)] * 3,
        *[st.tuples(st.just("paper"), groups, levels)] * 2,
        # Several people of one group submitting between two readings.
        st.tuples(st.just("crowd"), groups, st.integers(2, 8), levels),
        st.tuples(st.just("revise"), st.integers(0, 40), st.integers(0, 4), st.integers(1, 4)),
        st.tuples(st.just("revoke"), st.integers(0, 40)),
        st.tuples(st.just("close")),
        st.tuples(st.just("reopen")),
    ),
    min_size=12,
    max_size=40,
)


class History:
    """The round as the test knows it (every answer, every paper form), and
    every figure an observer has read."""

    def __init__(self, round_: Round) -> None:
        self.round = round_
        rubric = round_.rubrics.get()
        self.key_actions = list(rubric.key_actions.order_by("position"))
        self.levels = {level.position: level for level in rubric.levels.all()}
        self.groups = [StakeholderGroup.objects.get(organization=round_.organization, name=name) for name in GROUPS]
        self.online: list = []  # submitted invitations, in order
        self.truth: dict[int, tuple[int, bool, tuple[int, ...]]] = {}  # response id → (group, private, levels)
        self.withdrawn: set[int] = set()
        # Every figure read: a set of (response id, what it contributed), for the team, each shown group and
        # the hidden groups together, of each release; and the empty figure, which every figure must clear too.
        self.cells: set[frozenset] = {frozenset()}
        self.released: dict[int, dict[int, tuple]] = {}  # release id → its members' contributions when made

    def submit(self, group: int, answers: list[int]) -> None:
        if self.round.status != RoundStatus.OPEN:
            return
        invitation = invite_to(self.round, UserFactory(), GROUPS[group])
        for key_action, level in zip(self.key_actions, answers, strict=True):
            rating_save(
                invitation=invitation,
                key_action_id=key_action.pk,
                level_id=self.levels[level].pk,
                not_sure=False,
                evidence="",
            )
        response = response_submit(invitation=invitation)
        self.online.append((invitation, response.pk))
        self.truth[response.pk] = (self.groups[group].pk, True, tuple(answers))

    def crowd(self, group: int, count: int, answers: list[int]) -> None:
        for number in range(count):
            self.submit(group, [*answers[1:], answers[0]] if number % 2 else answers)

    def revise(self, who: int, position: int, level: int) -> None:
        standing = [(inv, pk) for inv, pk in self.online if pk not in self.withdrawn]
        if not standing or self.round.status != RoundStatus.OPEN:
            return
        invitation, pk = standing[who % len(standing)]
        rating_save(
            invitation=invitation,
            key_action_id=self.key_actions[position].pk,
            level_id=self.levels[level].pk,
            not_sure=False,
            evidence="",
        )
        group, private, answers = self.truth[pk]
        self.truth[pk] = (group, private, (*answers[:position], level, *answers[position + 1 :]))

    def revoke(self, who: int) -> None:
        standing = [(inv, pk) for inv, pk in self.online if pk not in self.withdrawn]
        if not standing:
            return
        invitation, pk = standing[who % len(standing)]
        invitation_revoke(invitation=invitation)
        self.withdrawn.add(pk)

    def paper(self, group: int, answers: list[int]) -> None:
        response = paper_response_create(
            round=self.round,
            respondent_code=f"P-{len(self.truth)}",
            stakeholder_group=self.groups[group],
            answers=[
                PaperAnswer(key_action_id=key_action.pk, level_id=self.levels[level].pk, not_sure=False, evidence="")
                for key_action, level in zip(self.key_actions, answers, strict=True)
            ],
            entered_by=None,
        )
        self.truth[response.pk] = (self.groups[group].pk, False, tuple(answers))

    def close(self) -> None:
        if self.round.status == RoundStatus.OPEN:
            round_close(round=self.round)

    def reopen(self) -> None:
        if self.round.status == RoundStatus.CLOSED:
            round_reopen(round=self.round, closes_at=timezone.now() + timedelta(days=7))

    def observe(self) -> None:
        """Reads what every output shows, checks that it is the aggregate of
        the release's members, and records each of its figures as a set."""
        self.round.refresh_from_db()
        results = round_results(round=self.round)
        if results.release is None:
            assert all(result.stats is None for rubric in results.rubrics for result in rubric.key_actions)
            return
        release = self.round.releases.get(is_current=True)
        if release.pk not in self.released:
            counted = {pk: value for pk, value in self.truth.items() if pk not in self.withdrawn}
            members = set(ReleaseMember.objects.filter(release=release).values_list("response_id", flat=True))
            assert members == set(counted)  # a release is made of everyone counted at that moment
            self.released[release.pk] = {pk: counted[pk] for pk in members}
        contributions = self.released[release.pk]
        team = frozenset(contributions.items())
        self._check_figures(results.rubrics[0].key_actions, None, team)
        self.cells.add(team)
        if not results.groups_shown:
            return
        names = {group.pk: group.name for group in self.groups}
        hidden = set()
        for group_result in results.rubrics[0].key_actions[0].groups:
            (group_id,) = [pk for pk, name in names.items() if name == group_result.name]
            cell = frozenset(item for item in contributions.items() if item[1][0] == group_id)
            if group_result.suppressed:
                hidden.add(group_id)
                continue
            self._check_figures(results.rubrics[0].key_actions, group_result.name, cell)
            self.cells.add(cell)
        self.cells.add(frozenset(item for item in contributions.items() if item[1][0] in hidden))

    def _check_figures(self, key_actions, group_name, cell) -> None:
        for index, result in enumerate(key_actions):
            stats = result.stats
            if group_name is not None:
                stats = next(group.stats for group in result.groups if group.name == group_name)
            expected = [sum(1 for _pk, (_g, _p, answers) in cell if answers[index] == level) for level in range(1, 5)]
            assert stats is not None and list(stats.counts) == expected


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(k=st.integers(3, 7), history=events)
def test_no_two_figures_ever_isolate_fewer_than_k_private_respondents(org, k, history):
    """The property: an observer reads every output after every event (a
    submission, a revision, a withdrawal, a paper form, a closing, a
    reopening) and knows every paper form. Each figure shown (the team's, a
    shown stakeholder group's, or the hidden groups' together, worked out as
    the team minus the shown groups) aggregates a set of respondents, each
    with what they answered when the release was made. For any two figures
    read, of one release or of two, and for any one figure against nothing
    at all, the respondents who answered privately (online) and whose
    contribution is in one figure and not the other number 0 or at least k.
    Paper respondents are left out of that count: the observer typed them.
    So no subtraction the observer can make of two figures isolates the
    answers of fewer than k private respondents. Also checked on the way:
    every figure is exactly the aggregate of the release's members."""
    with transaction.atomic():
        round_ = cae_round(org, status=RoundStatus.OPEN, threshold=k, results_revealed=True)
        state = History(round_)
        for event, *arguments in history:
            getattr(state, event)(*arguments)
            state.observe()
        private = {pk for pk, (_group, is_private, _answers) in state.truth.items() if is_private}
        for first, second in combinations(state.cells, 2):
            isolated = {pk for pk, _contribution in first ^ second if pk in private}
            assert len(isolated) == 0 or len(isolated) >= k, (first, second)
        transaction.set_rollback(True)
