from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from assessments.models import ActionPlan, ActionStep, RoundStatus, StepStatus
from assessments.planning.selectors import default_target_level, open_steps_from_previous_rounds
from assessments.planning.services import action_step_add, action_step_update, consensus_record
from assessments.results.computation import round_results
from assessments.tests.results.test_results import add_respondents
from assessments.tests.results_helpers import assert_page_rules, cae_round, key_action, level, text_of, url
from rubrics.models import Descriptor, Level

pytestmark = pytest.mark.django_db


@pytest.fixture
def closed(org):
    round_ = cae_round(org)
    add_respondents(round_, "Family", [2, 2, 3, 3, 3, 1])  # key action 1: median 2.5; the others: 2
    return round_


def first_result(round_):
    return round_results(round=round_).rubrics[0].key_actions[0]


def consensus(round_, position, ka_position=1):
    consensus_record(
        round=round_,
        key_action=key_action(round_, ka_position),
        level=level(round_, position),
        rationale="",
        recorded_by=None,
    )


def step_data(ka, **fields):
    data = {"description": "Invite families to co-chair", "owner": "Ana", "due_date": "2027-06-30", "status": "open"}
    data.update(fields)
    return {f"step-{ka.pk}-{name}": value for name, value in data.items()}


# The default target ---------------------------------------------------------------


def test_default_target_is_one_above_the_consensus(closed):
    consensus(closed, 2)
    assert default_target_level(first_result(closed)).position == 3


def test_default_target_is_capped_at_the_top_level(closed):
    consensus(closed, 4)
    assert default_target_level(first_result(closed)).position == 4


def test_without_consensus_one_above_the_median_rounded_down(closed):
    assert first_result(closed).stats.median == 2.5
    assert default_target_level(first_result(closed)).position == 3


def test_without_ratings_the_first_level(org):
    assert default_target_level(first_result(cae_round(org))).position == 1


def test_the_plan_page_shows_the_default_target_and_its_descriptor_as_the_goal(client, lead, closed):
    consensus(closed, 1)
    client.force_login(lead)
    response = client.get(url("plan", closed))
    assert response.status_code == 200
    html = response.content.decode()
    assert_page_rules(html)
    goal = Descriptor.objects.get(key_action=key_action(closed), level=level(closed, 2)).text
    section = text_of(html[html.index(f'id="plan-ka-{key_action(closed).pk}"') :])
    assert "2. Networking" in section and "(suggested: one level above where the team stands)" in section
    assert goal in text_of(html)
    assert "Save target" not in html and "Add a step" not in html  # leads read


# Target and steps -------------------------------------------------------------------


def test_a_facilitator_sets_the_target(client, facilitator, closed):
    ka = key_action(closed)
    client.force_login(facilitator)
    response = client.post(url("plan_target", closed, ka.pk), {f"target-{ka.pk}-target_level": level(closed, 4).pk})
    assert response.status_code == 302 and response["Location"].endswith(f"#plan-ka-{ka.pk}")
    assert ActionPlan.objects.get(round=closed, key_action=ka).target_level.position == 4
    html = client.get(url("plan", closed)).content.decode()
    assert Descriptor.objects.get(key_action=ka, level=level(closed, 4)).text in text_of(html)


def test_a_target_of_another_rubric_is_refused(client, facilitator, closed):
    ka = key_action(closed)
    foreign = Level.objects.exclude(rubric=ka.rubric).first()
    client.force_login(facilitator)
    response = client.post(url("plan_target", closed, ka.pk), {f"target-{ka.pk}-target_level": foreign.pk})
    assert response.status_code == 400
    assert "Choose one of the levels of this key action" in text_of(response.content.decode())
    assert not ActionPlan.objects.exists()


def test_steps_are_added_edited_and_deleted(client, facilitator, closed):
    ka = key_action(closed)
    client.force_login(facilitator)
    response = client.post(url("step_add", closed, ka.pk), step_data(ka))
    assert response.status_code == 302
    step = ActionStep.objects.get()
    assert (step.description, step.owner, step.due_date, step.status) == (
        "Invite families to co-chair",
        "Ana",
        date(2027, 6, 30),
        StepStatus.OPEN,
    )
    assert step.plan.target_level.position == 3  # made with the default target
    assert "Invite families to co-chair" in client.get(url("plan", closed)).content.decode()

    edit = client.get(url("step_edit", closed, step.pk))
    assert edit.status_code == 200
    assert_page_rules(edit.content.decode())
    response = client.post(
        url("step_edit", closed, step.pk),
        {"description": "Invite families", "owner": "", "due_date": "", "status": "in_progress"},
    )
    assert response.status_code == 302 and response["Location"].endswith(f"#plan-ka-{ka.pk}")
    step.refresh_from_db()
    assert (step.description, step.owner, step.due_date, step.status) == ("Invite families", "", None, "in_progress")

    confirm = client.get(url("step_delete", closed, step.pk))
    assert confirm.status_code == 200 and "Invite families" in confirm.content.decode()
    assert ActionStep.objects.exists()
    assert client.post(url("step_delete", closed, step.pk)).status_code == 302
    assert not ActionStep.objects.exists()


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"description": "x" * 501}, "Ensure this value has at most 500 characters"),
        ({"description": "   "}, "This field is required."),
        ({"owner": "o" * 201}, "Ensure this value has at most 200 characters"),
        ({"due_date": "2027-02-30"}, "Enter the due date as a date, e.g. 2027-06-30."),
        ({"due_date": "next week"}, "Enter the due date as a date, e.g. 2027-06-30."),
        ({"status": "finished"}, "Select a valid choice."),
    ],
)
def test_bad_steps_are_refused_with_a_message(client, facilitator, closed, fields, message):
    ka = key_action(closed)
    client.force_login(facilitator)
    response = client.post(url("step_add", closed, ka.pk), step_data(ka, **fields))
    assert response.status_code == 400
    html = response.content.decode()
    assert message in text_of(html) and 'role="alert"' in html
    assert not ActionStep.objects.exists() and not ActionPlan.objects.exists()


def test_a_bad_edit_changes_nothing(client, facilitator, closed):
    step = action_step_add(round=closed, key_action=key_action(closed), description="Keep me")
    client.force_login(facilitator)
    response = client.post(
        url("step_edit", closed, step.pk), {"description": "", "owner": "", "due_date": "31/31/2027", "status": "open"}
    )
    assert response.status_code == 400
    assert "Enter the due date as a date" in text_of(response.content.decode())
    step.refresh_from_db()
    assert step.description == "Keep me"


def test_the_services_validate_before_saving(closed):
    ka = key_action(closed)
    with pytest.raises(ValidationError):
        action_step_add(round=closed, key_action=ka, description="x" * 501)
    with pytest.raises(ValidationError):
        action_step_add(round=closed, key_action=ka, description="ok", status="bogus")
    assert not ActionPlan.objects.exists()
    step = action_step_add(round=closed, key_action=ka, description="ok")
    with pytest.raises(ValidationError):
        action_step_update(step=step, description="", owner="", due_date=None, status="open")
    assert step.description == "ok"


# Open steps carry over to the team's next round ------------------------------------


def test_open_steps_of_round_one_show_on_round_two_of_the_same_team_only(client, facilitator, closed, org):
    ka = key_action(closed)
    open_step = action_step_add(round=closed, key_action=ka, description="Still to do", owner="Bo")
    action_step_add(round=closed, key_action=ka, description="Finished", status=StepStatus.DONE)
    later = timezone.now() + timedelta(days=30)
    round_2 = cae_round(org, team=closed.team, opens_at=later, closes_at=later + timedelta(days=14))
    other_team = cae_round(org, opens_at=later, closes_at=later + timedelta(days=14))

    (carried,) = open_steps_from_previous_rounds(round=round_2)
    assert carried.key_action == ka and [s.description for s in carried.steps] == ["Still to do"]
    assert open_steps_from_previous_rounds(round=other_team) == []
    assert open_steps_from_previous_rounds(round=closed) == []  # not its own steps

    client.force_login(facilitator)
    html = client.get(url("results", round_2)).content.decode()
    assert "Open steps from earlier rounds" in html and "Still to do" in html and "Finished" not in html
    assert_page_rules(html)
    assert "Still to do" in client.get(url("plan", round_2)).content.decode()
    assert "Still to do" not in client.get(url("results", other_team)).content.decode()

    # Its status is edited from round 2, which is where the form sends back to.
    response = client.post(
        url("step_status", round_2, open_step.pk), {f"status-{open_step.pk}-status": "done", "return_to": "results"}
    )
    assert response.status_code == 302 and response["Location"] == url("results", round_2) + "#previous-steps"
    open_step.refresh_from_db()
    assert open_step.status == StepStatus.DONE
    assert open_steps_from_previous_rounds(round=round_2) == []


def test_a_bad_status_changes_nothing(client, facilitator, closed):
    step = action_step_add(round=closed, key_action=key_action(closed), description="Do it")
    client.force_login(facilitator)
    response = client.post(url("step_status", closed, step.pk), {f"status-{step.pk}-status": "nope"})
    assert response.status_code == 302
    step.refresh_from_db()
    assert step.status == StepStatus.OPEN


def test_a_step_of_another_team_is_404(client, facilitator, closed, org):
    step = action_step_add(round=closed, key_action=key_action(closed), description="Ours")
    elsewhere = cae_round(org)
    client.force_login(facilitator)
    assert client.get(url("step_edit", elsewhere, step.pk)).status_code == 404
    assert client.post(url("step_delete", elsewhere, step.pk)).status_code == 404
    assert client.post(url("step_status", elsewhere, step.pk), {f"status-{step.pk}-status": "done"}).status_code == 404
    assert ActionStep.objects.filter(status=StepStatus.OPEN).count() == 1


# Who may do what ----------------------------------------------------------------------


def test_permission_matrix(client, facilitator, lead, stakeholder, outsider, closed):
    ka = key_action(closed)
    step = action_step_add(round=closed, key_action=ka, description="A step")
    target = {f"target-{ka.pk}-target_level": level(closed, 3).pk}
    requests = {
        "plan": lambda: client.get(url("plan", closed)),
        "target": lambda: client.post(url("plan_target", closed, ka.pk), target),
        "add": lambda: client.post(url("step_add", closed, ka.pk), step_data(ka)),
        "edit": lambda: client.get(url("step_edit", closed, step.pk)),
        "status": lambda: client.post(url("step_status", closed, step.pk), {f"status-{step.pk}-status": "done"}),
        "delete": lambda: client.get(url("step_delete", closed, step.pk)),
    }
    expected = {
        None: dict.fromkeys(requests, 302),
        outsider: dict.fromkeys(requests, 404),
        stakeholder: dict.fromkeys(requests, 403),
        lead: {**dict.fromkeys(requests, 403), "plan": 200},
        facilitator: {"plan": 200, "target": 302, "add": 302, "edit": 200, "status": 302, "delete": 200},
    }
    for persona, statuses in expected.items():
        client.logout()
        if persona:
            client.force_login(persona)
        got = {name: send().status_code for name, send in requests.items()}
        assert got == statuses, persona
    for name, send in requests.items():
        if name != "plan":
            client.logout()
            response = send()
            assert response.status_code == 302 and "/accounts/login/" in response["Location"], name


def test_the_plan_waits_for_the_results(client, facilitator, org):
    round_ = cae_round(org, status=RoundStatus.OPEN)
    client.force_login(facilitator)
    assert client.get(url("plan", round_)).status_code == 403
