import itertools

import pytest
from django.utils import timezone

from assessments.models import Consensus, Rating, Response, Round, RoundStatus
from assessments.results.computation import round_results
from assessments.results.exchange import results_as_json
from assessments.results.releases import release_to_show, results_changed
from assessments.tests.factories import RoundFactory, lbc_rubrics
from convening.models import StakeholderGroup
from convening.tests.factories import TeamFactory

pytestmark = pytest.mark.django_db

CAE = "creating-active-engagement"


@pytest.fixture
def round_(org, facilitator):
    """A closed round: its release shows the stakeholder groups too."""
    team = TeamFactory(organization=org)
    round_ = RoundFactory(team=team, rubrics=[r for r in lbc_rubrics() if r.slug == CAE])
    Round.objects.filter(pk=round_.pk).update(status=RoundStatus.CLOSED, closed_at=timezone.now())
    round_.refresh_from_db()
    return round_


def add_respondents(round_, group_name, levels, *, key_action_position=1, entered_by=None):
    """Paper respondents of one group, each rating key action 1 at the given
    level (None = "Not sure") and every other key action at level 2."""
    group = StakeholderGroup.objects.get(organization=round_.organization, name=group_name)
    start = Response.objects.filter(round=round_).count()
    responses = Response.objects.bulk_create(
        Response(
            round=round_,
            respondent_code=f"P-{start + i:05d}",
            stakeholder_group=group,
            entered_by_proxy=True,
            entered_by=entered_by,
            submitted_at=timezone.now(),
        )
        for i in range(len(levels))
    )
    rubric = round_.rubrics.get()
    level_by_position = {level.position: level for level in rubric.levels.all()}
    ratings = []
    for response, level in zip(responses, levels, strict=True):
        for key_action in rubric.key_actions.all():
            rated = level if key_action.position == key_action_position else 2
            ratings.append(
                Rating(
                    response=response,
                    key_action=key_action,
                    level=level_by_position.get(rated),
                    not_sure=rated is None,
                )
            )
    Rating.objects.bulk_create(ratings)
    results_changed(round_id=round_.pk, response_ids=[response.pk for response in responses])  # as the services do


def spread(counts):
    return list(itertools.chain.from_iterable([level] * count for level, count in enumerate(counts, start=1)))


def test_round_figures_groups_and_consensus(round_):
    add_respondents(round_, "Family", spread([1, 3, 3, 1]))
    add_respondents(round_, "Educator", [*spread([1, 4, 6, 1]), None])
    add_respondents(round_, "Advocate", [2, 3, 3])
    add_respondents(round_, "Other", [4, 4])
    key_action = round_.rubrics.get().key_actions.get(position=1)
    for position in (2, 3):
        Consensus.objects.create(
            round=round_, key_action=key_action, level=key_action.rubric.levels.get(position=position)
        )

    data = results_as_json(round_results(round=round_))

    assert data["round"] == {
        "id": round_.pk,
        "name": round_.name,
        "team": round_.team.name,
        "status": "closed",
        "threshold": 5,
        "invited": 8 + 13 + 3 + 2,  # paper respondents count as invited
        "submitted": 26,
    }
    first = data["rubrics"][0]["key_actions"][0]
    assert first["title"] == "Coalesce the stakeholders around the issue"
    assert (first["n"], first["not_sure"], first["counts"]) == (25, 1, [2, 8, 11, 4])
    assert first["consensus"] == 3  # the latest record wins
    groups = {group["name"]: group for group in first["groups"]}
    # SPEC §5's Family example, figure for figure
    assert groups["Family"] == {
        "name": "Family",
        "n": 8,
        "not_sure": 0,
        "counts": [1, 3, 3, 1],
        "percent": [0.125, 0.375, 0.375, 0.125],
        "median": 2.5,
        "mean": 2.5,
        "agreement": 0.31,
        "discuss": True,
    }
    assert groups["Educator"]["n"] == 12 and groups["Educator"]["not_sure"] == 1
    # Advocate (3) and Other (2) are each under k, and together hold 5 >= k: nothing more is hidden.
    assert groups["Advocate"] == {"name": "Advocate", "suppressed": True}
    assert groups["Other"] == {"name": "Other", "suppressed": True}


def test_a_lone_small_group_hides_the_smallest_shown_group_too(round_):
    add_respondents(round_, "Family", [1] * 8)
    add_respondents(round_, "Educator", [2] * 12)
    add_respondents(round_, "Advocate", [3, 3])
    groups = results_as_json(round_results(round=round_))["rubrics"][0]["key_actions"][0]["groups"]
    assert [(g["name"], g.get("suppressed", False)) for g in groups] == [
        ("Family", True),
        ("Educator", False),
        ("Advocate", True),
    ]
    # The team total minus Educator is 10 ratings: neither Family's nor Advocate's alone.
    shown = {g["name"]: g for g in groups if not g.get("suppressed")}
    assert shown["Educator"]["counts"] == [0, 12, 0, 0]


def test_the_spec_numbers_team_level(round_):
    add_respondents(round_, "Family", spread([3, 10, 12, 4]))
    add_respondents(round_, "Educator", [None, None])
    data = results_as_json(round_results(round=round_))
    first = data["rubrics"][0]["key_actions"][0]
    assert (first["n"], first["not_sure"], first["counts"]) == (29, 2, [3, 10, 12, 4])
    assert (first["median"], first["mean"], first["agreement"], first["discuss"]) == (3.0, 2.59, 0.4, True)
    assert first["consensus"] is None


def test_unsubmitted_responses_do_not_count(round_):
    add_respondents(round_, "Family", [1, 2, 3, 4, 4])
    Response.objects.filter(round=round_).update(submitted_at=None)
    data = results_as_json(round_results(round=round_))
    assert data["round"]["submitted"] == 0
    assert data["release"] is None
    assert data["rubrics"][0]["key_actions"][0] == {
        "position": 1,
        "title": "Coalesce the stakeholders around the issue",
        "suppressed": True,
    }


def test_evidence_only_rows_are_not_ratings(round_):
    add_respondents(round_, "Family", [1, 2, 3, 4, 4])
    key_action = round_.rubrics.get().key_actions.get(position=1)
    rating = Rating.objects.filter(key_action=key_action).order_by("pk").first()
    Rating.objects.filter(pk=rating.pk).update(level=None, not_sure=False, evidence="thinking")
    first = results_as_json(round_results(round=round_))["rubrics"][0]["key_actions"][0]
    assert (first["n"], first["not_sure"], first["counts"]) == (4, 0, [0, 1, 1, 2])


@pytest.mark.parametrize("respondents", [10, 1000])
def test_query_count_does_not_grow_with_respondents(round_, respondents, django_assert_num_queries):
    per_group = respondents // 2
    add_respondents(round_, "Family", [1 + i % 4 for i in range(per_group)])
    add_respondents(round_, "Educator", [1 + i % 3 for i in range(respondents - per_group)])
    # Making the release: 1 no current release, 2 the round's lock, 3 its current release again, 4 the
    # responses' digests, 5 the releases shown before, 6 the key actions revealed in meetings (none here),
    # 7 the grouped rating counts, 8 the new release, 9 its members, 10 its comments; then recording it as
    # shown: 11 the lock again, 12 the update; and each of the two atomic blocks opens and releases a savepoint.
    with django_assert_num_queries(16):
        release_to_show(round=round_)
    # Reading it: 1 the current release, 2–4 rubrics, levels and key actions, 5 who submitted,
    # 6 invitations, 7 current consensus, 8 the groups' names
    with django_assert_num_queries(8):
        results = round_results(round=round_)
    assert results.submitted == respondents
    assert results.release is not None and results.release.respondents == respondents


def test_comments_are_counted_with_or_without_a_level(round_):
    add_respondents(round_, "Family", [1, None, 3, 4, 4])  # key action 1: level 1, "Not sure", level 3, 4, 4
    first = round_.rubrics.get().key_actions.get(position=1)
    ratings = list(Rating.objects.filter(key_action=first).order_by("pk"))
    Rating.objects.filter(pk=ratings[0].pk).update(evidence="Rated and commented")
    Rating.objects.filter(pk=ratings[1].pk).update(evidence="Not sure, commented")
    Rating.objects.filter(pk=ratings[2].pk).update(level=None, evidence="Comment alone")  # not a rating any more
    results = round_results(round=round_)
    assert results.comments == {first.pk: 3}
    stats = results.rubrics[0].key_actions[0].stats
    assert stats is not None and stats.counts == (1, 0, 0, 2)
