import json
import re

import pytest
from django.core.cache import cache
from django.utils import timezone

from assessments.models import Rating, Round, RoundStatus
from assessments.planning.services import consensus_record
from assessments.results.computation import round_results
from assessments.results.exchange import results_as_json
from assessments.tests.history_data import BSD, CAE, closed_round, lbc, respond
from assessments.tests.results.test_results import add_respondents, spread
from assessments.tests.results_helpers import (
    assert_page_rules,
    cae_round,
    invite_to,
    key_action,
    level,
    row_of,
    text_of,
    url,
)
from convening.models import Role
from convening.tests.factories import MembershipFactory, TeamFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def closed(org):
    round_ = cae_round(org)
    add_respondents(round_, "Family", spread([1, 3, 3, 1]))
    add_respondents(round_, "Educator", [*spread([1, 5, 5, 1]), None])
    return round_


# results.json ------------------------------------------------------------------


def test_results_json_is_the_spec_shape_of_round_results(client, facilitator, closed):
    client.force_login(facilitator)
    response = client.get(url("results_json", closed))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    data = json.loads(response.content)
    assert data == results_as_json(round_results(round=closed))
    assert set(data) == {"round", "release", "rubrics"}
    assert data["release"]["respondents"] == data["round"]["submitted"] == 21 and data["release"]["waiting"] == 0
    assert set(data["round"]) == {"id", "name", "team", "status", "threshold", "invited", "submitted"}
    (rubric,) = data["rubrics"]
    assert set(rubric) == {"slug", "title", "key_actions"}
    first = rubric["key_actions"][0]
    assert {"position", "title", "n", "not_sure", "counts", "median", "mean", "agreement", "discuss"} <= set(first)
    assert {"consensus", "groups"} <= set(first)
    assert (first["n"], first["not_sure"], first["counts"]) == (20, 1, [2, 8, 8, 2])
    assert [g["name"] for g in first["groups"]] == ["Family", "Educator"]


def test_results_json_for_leads_too(client, lead, closed):
    client.force_login(lead)
    assert client.get(url("results_json", closed)).status_code == 200


def test_stakeholders_never_get_json(client, org, closed):
    person = UserFactory()
    MembershipFactory(organization=org, user=person, role=Role.STAKEHOLDER)
    invite_to(closed, person)
    Round.objects.filter(pk=closed.pk).update(share_results=True)
    client.force_login(person)
    assert client.get(url("results", closed)).status_code == 200
    assert client.get(url("results_json", closed)).status_code == 403


def test_results_json_of_hidden_results_is_403(client, facilitator, org):
    client.force_login(facilitator)
    assert client.get(url("results_json", cae_round(org, status=RoundStatus.OPEN))).status_code == 403


# Who sees the results, and when -----------------------------------------------


@pytest.mark.parametrize("persona", ["facilitator", "lead"])
def test_an_open_round_is_hidden_from_the_team_until_revealed(client, request, org, persona):
    round_ = cae_round(org, status=RoundStatus.OPEN)
    client.force_login(request.getfixturevalue(persona))
    response = client.get(url("results", round_))
    assert response.status_code == 403
    assert "Results appear when the round closes." in response.content.decode()
    Round.objects.filter(pk=round_.pk).update(results_revealed=True)
    assert client.get(url("results", round_)).status_code == 200
    assert client.get(url("results_json", round_)).status_code == 200


@pytest.mark.parametrize("persona", ["facilitator", "lead"])
def test_a_closed_round_is_visible_to_the_team(client, request, closed, persona):
    client.force_login(request.getfixturevalue(persona))
    response = client.get(url("results", closed))
    assert response.status_code == 200
    assert_page_rules(response.content.decode())


def test_a_draft_is_hidden_even_to_facilitators(client, facilitator, org):
    client.force_login(facilitator)
    response = client.get(url("results", cae_round(org, status=RoundStatus.DRAFT)))
    assert response.status_code == 403
    assert "Show the results now" not in response.content.decode()


def test_an_invited_stakeholder_sees_shared_results_after_closing(client, org, closed):
    person = UserFactory()
    MembershipFactory(organization=org, user=person, role=Role.STAKEHOLDER)
    invite_to(closed, person)
    client.force_login(person)
    response = client.get(url("results", closed))
    assert response.status_code == 403
    assert "have not shared the results" in response.content.decode()

    Round.objects.filter(pk=closed.pk).update(share_results=True)
    response = client.get(url("results", closed))
    assert response.status_code == 200
    html = response.content.decode()
    assert_page_rules(html)
    # The aggregated page, without consensus forms, history, evidence, JSON or plan.
    assert "Record consensus" not in html and "Evidence and comments" not in html
    assert url("results_json", closed) not in html and url("plan", closed) not in html


def test_invited_without_a_membership_is_enough(client, closed):
    person = UserFactory()
    invite_to(closed, person)
    Round.objects.filter(pk=closed.pk).update(share_results=True)
    client.force_login(person)
    assert client.get(url("results", closed)).status_code == 200


def test_shared_results_wait_for_closing(client, org):
    round_ = cae_round(org, status=RoundStatus.OPEN, share_results=True, results_revealed=True)
    person = UserFactory()
    invite_to(round_, person)
    client.force_login(person)
    response = client.get(url("results", round_))
    assert response.status_code == 403
    assert "Results appear when the round closes." in response.content.decode()


def test_an_uninvited_stakeholder_is_403(client, stakeholder, closed):
    Round.objects.filter(pk=closed.pk).update(share_results=True)
    client.force_login(stakeholder)
    assert client.get(url("results", closed)).status_code == 403


def test_a_revoked_invitation_no_longer_counts(client, org, closed):
    person = UserFactory()
    MembershipFactory(organization=org, user=person, role=Role.STAKEHOLDER)
    invitation = invite_to(closed, person)
    invitation.revoked_at = timezone.now()
    invitation.save()
    Round.objects.filter(pk=closed.pk).update(share_results=True)
    client.force_login(person)
    assert client.get(url("results", closed)).status_code == 403


def test_outsider_gets_404_and_anonymous_the_login(client, outsider, closed):
    anonymous = client.get(url("results", closed))
    assert anonymous.status_code == 302 and "/accounts/login/" in anonymous["Location"]
    client.force_login(outsider)
    assert client.get(url("results", closed)).status_code == 404
    assert client.get(url("results_json", closed)).status_code == 404
    assert client.get(url("results", closed).replace(str(closed.pk), "999999")).status_code == 404


# Revealing an open round's results ----------------------------------------------


def test_a_facilitator_reveals_and_hides_an_open_rounds_results(client, facilitator, org):
    round_ = cae_round(org, status=RoundStatus.OPEN)
    client.force_login(facilitator)
    hidden = client.get(url("results", round_)).content.decode()
    assert "Show the results now" in hidden
    response = client.post(url("results_reveal", round_), {"revealed": "1"})
    assert response.status_code == 302 and response["Location"] == url("results", round_)
    round_.refresh_from_db()
    assert round_.results_revealed
    page = client.get(url("results", round_)).content.decode()
    assert "Hide the results until the round closes" in page
    client.post(url("results_reveal", round_), {"revealed": "0"})
    round_.refresh_from_db()
    assert not round_.results_revealed


def test_revealing_a_draft_is_a_conflict(client, facilitator, org):
    round_ = cae_round(org, status=RoundStatus.DRAFT)
    client.force_login(facilitator)
    assert client.post(url("results_reveal", round_), {"revealed": "1"}).status_code == 409
    round_.refresh_from_db()
    assert not round_.results_revealed


def test_reveal_permissions(client, lead, outsider, org):
    round_ = cae_round(org, status=RoundStatus.OPEN)
    assert client.post(url("results_reveal", round_), {"revealed": "1"}).status_code == 302  # to the login
    client.force_login(lead)
    assert client.post(url("results_reveal", round_), {"revealed": "1"}).status_code == 403
    client.force_login(outsider)
    assert client.post(url("results_reveal", round_), {"revealed": "1"}).status_code == 404
    assert client.get(url("results_reveal", round_)).status_code == 405
    round_.refresh_from_db()
    assert not round_.results_revealed


# What the page shows -------------------------------------------------------------


def test_the_table_marks_the_median_and_tells_agreement_and_discussion(client, facilitator, closed):
    client.force_login(facilitator)
    html = client.get(url("results", closed)).content.decode()
    first = row_of(html, f'<a href="#ka-{key_action(closed).pk}">1. Coalesce the stakeholders around the issue</a>')
    # counts [2, 8, 8, 2] of 20: the median is between levels 2 and 3, so no single cell holds it
    assert "2 (10%)" in text_of(first)
    assert "between Networking and Collaborating (2.5)" in first
    assert "▲" not in first
    assert re.search(r"0\.\d\d \((low|moderate|high)\)", first)
    assert "Discuss" in first  # the ratings span four levels
    second = row_of(html, f'<a href="#ka-{key_action(closed, 2).pk}">2. {key_action(closed, 2).title}</a>')
    # everyone else rated 2 (with the Educator's "Not sure" at key action 1 only)
    assert "▲</span> median" in second and "1.00 (high)" in second and "No need to discuss" in second
    assert 'role="img"' in html and f'id="chart-ka-{key_action(closed).pk}-desc"' in html


def test_suppressed_groups_show_no_numbers(client, facilitator, org):
    round_ = cae_round(org)
    add_respondents(round_, "Family", [1] * 6)
    add_respondents(round_, "Educator", [2] * 7)
    add_respondents(round_, "Advocate", [4, 4, 4])  # under k = 5; Advocate alone rates 4
    client.force_login(facilitator)
    html = client.get(url("results", round_)).content.decode()
    advocate = row_of(html, "Advocate")
    assert "Not shown: fewer than 5 responses." in advocate
    assert re.findall(r"\d+", text_of(advocate)) == ["5"]  # only k itself
    # The smallest shown group (Family, 6) is hidden too, so that 16 − 7 gives away neither.
    family = row_of(html, "Family")
    assert "a smaller group" in family and not re.findall(r"\d", text_of(family))
    assert "Educator" in html and "7" in row_of(html, "Educator")


def test_no_responses_shows_empty_states(client, facilitator, org):
    round_ = cae_round(org)
    client.force_login(facilitator)
    html = client.get(url("results", round_)).content.decode()
    assert "Figures appear once 5 people have submitted: 5 more responses are needed." in html
    assert "results-table" not in html  # no figure at all, not even zeros
    assert_page_rules(html)


# Queries -------------------------------------------------------------------------


@pytest.mark.parametrize("respondents", [10, 1000])
def test_the_page_and_the_json_cost_the_same_queries_whatever_the_size(
    client, facilitator, org, respondents, django_assert_num_queries
):
    round_1 = cae_round(org)
    round_ = cae_round(
        org, team=round_1.team, opens_at=timezone.now(), closes_at=timezone.now() + timezone.timedelta(days=1)
    )
    per_group = respondents // 2
    add_respondents(round_, "Family", [1 + i % 4 for i in range(per_group)])
    add_respondents(round_, "Educator", [1 + i % 3 for i in range(respondents - per_group)])
    Rating.objects.filter(response__round=round_, key_action__position=2).update(evidence="same words")
    client.force_login(facilitator)
    client.get(url("results", round_))  # warm the session, and make the round's release
    cache.clear()  # the release is in the database: a flushed cache changes nothing
    # 1 session, 2 user (no savepoint: the view opts out of ATOMIC_REQUESTS), 3 the round, 4 the person's
    # roles; round_results: 5 the release, 6 rubrics, 7 levels, 8 key actions, 9 who submitted,
    # 10 invitations, 11 current consensus, 12 the groups' names; 13 consensus history, 14 open steps of
    # earlier rounds; base.html's menu: 15 the person's organizations (the current one among them),
    # 16 the roles there
    with django_assert_num_queries(16):
        response = client.get(url("results", round_))
    assert response.status_code == 200
    # Ordering by disagreement, the summary and the download links are drawn from the same figures: no query more.
    with django_assert_num_queries(16):
        response = client.get(url("results", round_) + "?order=disagreement")
    assert "At a glance" in response.content.decode()
    # 1 session, 2 user, 3 the round, 4 roles, 5–12 round_results
    with django_assert_num_queries(12):
        response = client.get(url("results_json", round_))
    assert json.loads(response.content)["round"]["submitted"] == respondents


# Reading at a glance (issue 17) ----------------------------------------------------


def _headings(html):
    return re.findall(r'<h3 id="ka-\d+-heading" class="h5">(\d)\. ', html)


def _section(html, heading_id):
    start = html.index(f'id="{heading_id}"')
    return html[start : html.index("</section>", start)]


def test_the_summary_names_where_the_team_agrees_and_differs_most(client, facilitator, closed):
    client.force_login(facilitator)
    html = client.get(url("results", closed)).content.decode()
    summary = text_of(_section(html, "summary-heading"))
    agree, differ = summary.split("Where you differ most")
    # Key action 1 is spread over four levels ([2, 8, 8, 2]: s² = 13/19, agreement 0.45); the others are all at level 2.
    assert "1. Coalesce the stakeholders around the issue — agreement 0.45 (low)" in differ
    assert "Coalesce" not in agree
    assert agree.count("agreement 1.00 (high)") == 3  # the three most agreed on, no more


def test_no_summary_nor_order_while_the_round_shows_no_figures(client, facilitator, org):
    round_ = cae_round(org)
    add_respondents(round_, "Family", [1, 2, 3, 4])  # under k = 5
    client.force_login(facilitator)
    html = client.get(url("results", round_)).content.decode()
    assert "At a glance" not in html and "most disagreement first" not in html
    assert "agreement" not in text_of(html).lower().replace("agreed level", "")


def test_key_actions_in_the_rubrics_order_or_by_disagreement(client, facilitator, org):
    round_ = cae_round(org)
    add_respondents(round_, "Family", spread([0, 3, 3, 0]))  # key action 1: two neighbouring levels
    add_respondents(round_, "Educator", spread([3, 0, 0, 3]), key_action_position=4)  # 4: the two extremes
    client.force_login(facilitator)
    assert _headings(client.get(url("results", round_)).content.decode()) == ["1", "2", "3", "4", "5"]
    html = client.get(url("results", round_) + "?order=disagreement").content.decode()
    assert _headings(html)[0] == "4"
    assert _headings(html)[1:] == ["1", "2", "3", "5"]  # the rest agree fully: ties keep the rubric's order
    assert 'href="?order=disagreement" aria-current="page"' in html
    # The summary table follows the same order.
    table = html[html.index("results-table") :]
    assert table.index(f"#ka-{key_action(round_, 4).pk}") < table.index(f"#ka-{key_action(round_, 1).pk}")
    # An unknown order is the rubric's.
    assert _headings(client.get(url("results", round_) + "?order=x").content.decode())[0] == "1"


def test_a_consensus_form_is_open_until_a_consensus_is_recorded(client, facilitator, closed):
    first, second = key_action(closed), key_action(closed, 2)
    consensus_record(round=closed, key_action=first, level=level(closed, 3), rationale="", recorded_by=facilitator)
    client.force_login(facilitator)
    html = client.get(url("results", closed)).content.decode()
    recorded = html[html.index(f'id="consensus-{first.pk}"') :]
    assert '<details class="consensus-fold mb-2">' in recorded.split("</details>")[0]
    assert "Change the consensus" in recorded.split("</details>")[0]
    open_one = html[html.index(f'id="consensus-{second.pk}"') :]
    assert '<details class="consensus-fold mb-2" open>' in open_one.split("</details>")[0]
    assert "Record the consensus" in open_one.split("</details>")[0]


def test_the_files_are_under_one_download_heading_with_plain_names(client, facilitator, closed):
    client.force_login(facilitator)
    download = text_of(_section(client.get(url("results", closed)).content.decode(), "download-heading"))
    for name in ("Figures per key action (CSV)", "Workbook (Excel)", "PDF report", "Figures for other programs (JSON)"):
        assert name in download
    assert "Figures as JSON" not in download


def test_with_several_rubrics_the_summary_says_whose_key_action_each_is(client, facilitator, org):
    round_ = closed_round(TeamFactory(organization=org), closed_at=timezone.now(), rubrics=[lbc(CAE), lbc(BSD)])
    for slug in (CAE, BSD):
        positions = round_.rubrics.get(slug=slug).key_actions.values_list("position", flat=True)
        respond(round_, "Family", [dict.fromkeys(positions, 2)], slug=slug, times=6)
    client.force_login(facilitator)
    summary = text_of(_section(client.get(url("results", round_)).content.decode(), "summary-heading"))
    titles = [rubric.title for rubric in round_.rubrics.order_by("round_rubrics__position")]
    assert f"1. {round_.rubrics.get(title=titles[0]).key_actions.get(position=1).title} ({titles[0]})" in summary
    # Every rating at level 2: agreement 1.00 everywhere, the first three key actions in the rubrics' order shown
    assert summary.count(f"({titles[0]})") == 3 and "No key action needs discussing" in summary


def test_with_one_rubric_the_summary_names_none(client, facilitator, closed):
    client.force_login(facilitator)
    summary = text_of(_section(client.get(url("results", closed)).content.decode(), "summary-heading"))
    assert "(Creating Active Engagement)" not in summary
