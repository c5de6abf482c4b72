"""A closed round's results are kept in the cache; every change the product
can still make to them (paper forms, consensus, deleted people, revoked
invitations, renamed groups, a reopening) must show at once."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from assessments.invitations.services import invitation_revoke
from assessments.paper.checks import PaperAnswer
from assessments.paper.services import paper_response_create
from assessments.planning.services import consensus_record
from assessments.rating.services import rating_save, response_submit
from assessments.results.cache import round_results_cached
from assessments.results.computation import round_results
from assessments.rounds.services import round_close, round_open, round_reopen
from assessments.tests.factories import RoundFactory, invite
from convening import services as convening_services
from convening.models import StakeholderGroup
from convening.tests.factories import TeamFactory
from rubrics.models import KeyAction

pytestmark = pytest.mark.django_db


def rate(invitation, key_action, position):
    level = key_action.rubric.levels.get(position=position)
    rating_save(invitation=invitation, key_action_id=key_action.pk, level_id=level.pk, not_sure=False, evidence="")


def answer_and_submit(invitation, position):
    for key_action in KeyAction.objects.filter(rubric__round_rubrics__round=invitation.round):
        rate(invitation, key_action, position)
    response_submit(invitation=invitation)


@pytest.fixture
def group(org):
    return StakeholderGroup.objects.get(organization=org, name="Family")


@pytest.fixture
def closed_round(org, group):
    round_ = RoundFactory(team=TeamFactory(organization=org), threshold=3)
    round_open(round=round_)
    for position in (1, 2, 3):
        (invitation,) = invite(round_, group=group)
        answer_and_submit(invitation, position)
    round_close(round=round_)
    return round_


def figures(results):
    first = results.rubrics[0].key_actions[0]
    return {
        "submitted": results.submitted,
        "invited": results.invited,
        "counts": first.stats.counts,
        "consensus": first.consensus.position if first.consensus else None,
        "groups": sorted(results.group_respondents),
    }


def cached_figures(round_):
    round_.refresh_from_db()
    return figures(round_results_cached(round=round_))


def test_a_closed_rounds_results_are_read_from_the_cache_in_two_queries(closed_round):
    first = cached_figures(closed_round)
    with CaptureQueriesContext(connection) as context:
        again = round_results_cached(round=closed_round)
    assert len(context) == 2  # the fingerprint and the groups; none of round_results' seven
    assert figures(again) == first == figures(round_results(round=closed_round))
    assert again.round is closed_round  # the round itself is the live one, never the cached copy


def test_an_open_round_is_always_counted_afresh(org, group):
    round_ = RoundFactory(team=TeamFactory(organization=org), threshold=3)
    round_open(round=round_)
    (invitation,) = invite(round_, group=group)
    answer_and_submit(invitation, 1)
    assert cached_figures(round_)["counts"] == (1, 0, 0, 0)
    rate(invitation, round_results(round=round_).rubrics[0].key_actions[0].key_action, 4)
    assert cached_figures(round_)["counts"] == (0, 0, 0, 1)


def test_a_paper_form_entered_after_closing_shows_at_once(closed_round, group):
    before = cached_figures(closed_round)
    answers = [
        PaperAnswer(
            key_action_id=key_action.pk,
            level_id=key_action.rubric.levels.get(position=4).pk,
            not_sure=False,
            evidence="",
        )
        for key_action in KeyAction.objects.filter(rubric__round_rubrics__round=closed_round)
    ]
    paper_response_create(
        round=closed_round, respondent_code="P-1", stakeholder_group=group, answers=answers, entered_by=None
    )
    after = cached_figures(closed_round)
    assert (before["submitted"], after["submitted"]) == (3, 4)
    assert after["counts"] == (1, 1, 1, 1)


def test_a_consensus_recorded_shows_at_once(closed_round):
    assert cached_figures(closed_round)["consensus"] is None
    key_action = round_results(round=closed_round).rubrics[0].key_actions[0].key_action
    consensus_record(
        round=closed_round,
        key_action=key_action,
        level=key_action.rubric.levels.get(position=2),
        rationale="",
        recorded_by=None,
    )
    assert cached_figures(closed_round)["consensus"] == 2


def test_a_deleted_person_leaves_the_figures_at_once(closed_round):
    assert cached_figures(closed_round)["submitted"] == 3
    closed_round.invitations.order_by("pk").first().user.delete()
    after = cached_figures(closed_round)
    assert (after["submitted"], after["invited"], after["counts"]) == (2, 2, (0, 1, 1, 0))


def test_a_revoked_invitation_leaves_the_invited_count_at_once(closed_round):
    assert cached_figures(closed_round)["invited"] == 3
    invitation_revoke(invitation=closed_round.invitations.order_by("pk").first())
    assert cached_figures(closed_round)["invited"] == 2


def test_a_renamed_group_shows_its_new_name_at_once(closed_round, group):
    assert cached_figures(closed_round)["groups"] == ["Family"]
    convening_services.stakeholder_group_rename(group=group, name="Families")
    assert cached_figures(closed_round)["groups"] == ["Families"]


def test_answers_changed_during_a_reopening_show_once_closed_again(closed_round):
    assert cached_figures(closed_round)["counts"] == (1, 1, 1, 0)
    round_reopen(round=closed_round, closes_at=timezone.now() + timedelta(days=1))
    invitation = closed_round.invitations.order_by("pk").first()
    for key_action in KeyAction.objects.filter(rubric__round_rubrics__round=closed_round):
        rate(invitation, key_action, 4)
    round_close(round=closed_round)
    assert cached_figures(closed_round)["counts"] == (0, 1, 1, 1)


def test_the_pages_cached_charts_and_tables_follow_the_figures_and_the_language(client, facilitator, closed_round):
    page = reverse("assessments:results", args=[closed_round.pk])
    client.force_login(facilitator)
    assert "not recorded" in client.get(page).content.decode()  # the summary table's consensus column
    key_action = round_results(round=closed_round).rubrics[0].key_actions[0].key_action
    level = key_action.rubric.levels.get(position=2)
    consensus_record(round=closed_round, key_action=key_action, level=level, rationale="", recorded_by=None)
    html = client.get(page).content.decode()
    summary = html[html.index("<tbody>") : html.index("</tbody>")]
    assert f"<td>{level.name}</td>" in summary  # the consensus column; the median cell reads "Name (2)"
    facilitator.language = "es"
    facilitator.save()
    assert "Acuerdo" in client.get(page).content.decode()  # not the English copy of the cached tables
