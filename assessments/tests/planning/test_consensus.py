import pytest
from django.core.exceptions import ValidationError

from assessments.exceptions import StateConflict
from assessments.models import Consensus, Round, RoundStatus
from assessments.planning.services import consensus_record
from assessments.results.computation import round_results
from assessments.tests.factories import lbc_rubrics
from assessments.tests.results.test_results import add_respondents
from assessments.tests.results_helpers import assert_page_rules, cae_round, key_action, level, text_of, url

pytestmark = pytest.mark.django_db


@pytest.fixture
def closed(org):
    round_ = cae_round(org)
    add_respondents(round_, "Family", [1, 2, 2, 3, 4, 4])
    return round_


def record(client, round_, ka, level_, rationale="", **headers):
    data = {f"ka-{ka.pk}-level": level_.pk if level_ else "", f"ka-{ka.pk}-rationale": rationale}
    return client.post(url("consensus_record", round_, ka.pk), data, **headers)


def other_rubric_level():
    other = next(r for r in lbc_rubrics() if r.slug != "creating-active-engagement")
    return other.levels.get(position=3)


def test_each_record_is_appended_and_the_latest_is_current(client, facilitator, closed):
    ka = key_action(closed)
    client.force_login(facilitator)
    response = record(client, closed, ka, level(closed, 2), "We mostly share information")
    assert response.status_code == 302
    assert response["Location"] == url("results", closed) + f"#ka-{ka.pk}"
    record(client, closed, ka, level(closed, 3), "  After the discussion: we work together  ")

    records = list(Consensus.objects.filter(round=closed, key_action=ka).order_by("pk"))
    assert [(r.level.position, r.rationale, r.recorded_by) for r in records] == [
        (2, "We mostly share information", facilitator),
        (3, "After the discussion: we work together", facilitator),
    ]
    assert round_results(round=closed).rubrics[0].key_actions[0].consensus.position == 3
    html = client.get(url("results", closed)).content.decode()
    assert_page_rules(html)
    block = html[html.index(f'id="consensus-{ka.pk}"') :]
    history = text_of(block[block.index('<details class="mt-2">') :].split("</details>")[0])
    assert "History (2 records)" in history
    assert history.index("After the discussion") < history.index("We mostly share information")
    assert facilitator.name in history


def test_a_level_of_another_rubric_is_refused_and_nothing_saved(client, facilitator, closed):
    client.force_login(facilitator)
    response = record(client, closed, key_action(closed), other_rubric_level(), "keep this text")
    assert response.status_code == 400
    html = response.content.decode()
    assert "Choose one of the levels of this key action&#x27;s rubric." in html
    assert 'role="alert"' in html and "keep this text" in html  # what was typed is shown again
    assert not Consensus.objects.exists()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"level": ""}, "Choose the level the team agreed on."),
        ({"level": "not-a-number"}, "Select a valid choice."),
        ({"rationale": "x" * 2001}, "Ensure this value has at most 2000 characters"),
    ],
)
def test_bad_input_is_400_with_a_message(client, facilitator, closed, data, message):
    ka = key_action(closed)
    posted = {f"ka-{ka.pk}-level": level(closed, 2).pk, f"ka-{ka.pk}-rationale": ""}
    posted.update({f"ka-{ka.pk}-{name}": value for name, value in data.items()})
    client.force_login(facilitator)
    response = client.post(url("consensus_record", closed, ka.pk), posted)
    assert response.status_code == 400
    assert message in text_of(response.content.decode())
    assert not Consensus.objects.exists()


def test_with_htmx_the_block_is_swapped_in_place(client, facilitator, closed):
    ka = key_action(closed)
    client.force_login(facilitator)
    response = record(client, closed, ka, level(closed, 4), "Top", HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    html = response.content.decode()
    assert html.lstrip().startswith(f'<div id="consensus-{ka.pk}"')  # the block alone, not a page
    assert "<h1" not in html and "The consensus is recorded." in html and "History (1 record)" in html
    refused = record(client, closed, ka, other_rubric_level(), HTTP_HX_REQUEST="true")
    assert refused.status_code == 400 and 'role="alert"' in refused.content.decode()
    assert Consensus.objects.count() == 1


def test_a_key_action_of_another_round_is_404(client, facilitator, closed, org):
    client.force_login(facilitator)
    other = next(r for r in lbc_rubrics() if r.slug != "creating-active-engagement").key_actions.first()
    assert record(client, closed, other, other.rubric.levels.first()).status_code == 404


def test_permissions(client, lead, stakeholder, outsider, closed):
    ka = key_action(closed)
    assert record(client, closed, ka, level(closed, 2)).status_code == 302  # anonymous: to the login
    client.force_login(lead)
    assert record(client, closed, ka, level(closed, 2)).status_code == 403
    client.force_login(stakeholder)
    assert record(client, closed, ka, level(closed, 2)).status_code == 403
    client.force_login(outsider)
    assert record(client, closed, ka, level(closed, 2)).status_code == 404
    assert not Consensus.objects.exists()


def test_leads_see_the_history_but_no_form(client, lead, facilitator, closed):
    consensus_record(
        round=closed, key_action=key_action(closed), level=level(closed, 2), rationale="Why", recorded_by=facilitator
    )
    client.force_login(lead)
    html = client.get(url("results", closed)).content.decode()
    assert "History (1 record)" in html and "Record consensus" not in html


def test_an_open_round_takes_consensus_only_once_revealed(client, facilitator, org):
    round_ = cae_round(org, status=RoundStatus.OPEN)
    ka = key_action(round_)
    client.force_login(facilitator)
    assert record(client, round_, ka, level(round_, 2)).status_code == 403
    with pytest.raises(StateConflict):
        consensus_record(round=round_, key_action=ka, level=level(round_, 2), rationale="", recorded_by=None)
    Round.objects.filter(pk=round_.pk).update(results_revealed=True)
    assert record(client, round_, ka, level(round_, 2)).status_code == 302
    assert Consensus.objects.count() == 1


def test_the_service_checks_the_key_action_and_the_level(closed, facilitator):
    ka = key_action(closed)
    with pytest.raises(ValidationError) as refused:
        consensus_record(round=closed, key_action=ka, level=other_rubric_level(), rationale="", recorded_by=facilitator)
    assert "level" in refused.value.error_dict
    foreign = other_rubric_level().rubric.key_actions.first()
    with pytest.raises(ValidationError) as refused:
        consensus_record(
            round=closed, key_action=foreign, level=foreign.rubric.levels.first(), rationale="", recorded_by=None
        )
    assert "key_action" in refused.value.error_dict
    assert not Consensus.objects.exists()
