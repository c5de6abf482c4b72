"""The demo shows every home page with something to do: an open round with
responses and days left, a draft, a closed round without consensus and
overdue steps for the facilitator; a team that moved for the lead."""

import io

import pytest
from django.core.management import call_command
from django.urls import reverse

from assessments.home.selectors import facilitator_home, lead_home
from assessments.management.commands import seed_demo
from convening.models import Organization, User

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(settings):
    settings.DEBUG = True
    call_command("seed_demo", stdout=io.StringIO())
    return Organization.objects.get(name=seed_demo.ORGANIZATION)


def test_the_demo_facilitator_has_something_in_every_section(demo):
    home = facilitator_home(organization=demo)

    (winter,) = home.open_rounds
    assert winter.round.name == seed_demo.OPEN_ROUND
    assert 0 < winter.round.submitted_count < winter.round.invited_count
    assert winter.days_left > 0
    assert [round_.name for round_ in home.drafts] == [seed_demo.DRAFT_ROUND]
    assert [round_.name for round_ in home.closed_without_consensus] == [seed_demo.SECOND_TEAM_DATA_CHECK.name]
    assert home.overdue_steps


def test_the_demo_lead_sees_a_team_that_moved(demo):
    by_team = {item.team.name: item for item in lead_home(organization=demo)}

    moved = by_team[seed_demo.SECOND_TEAM]
    assert moved.round.name == seed_demo.SECOND_TEAM_DATA_CHECK.name
    assert moved.previous.name == seed_demo.SECOND_TEAM_FALL.name
    assert moved.movement is not None and moved.movement.compared == 4
    rating = by_team[seed_demo.TEAM]
    assert rating.round.name == seed_demo.OPEN_ROUND and not rating.shown


@pytest.mark.parametrize("local_part", ["facilitator", "lead"])
def test_the_demo_homes_answer(client, demo, local_part):
    client.force_login(User.objects.get(email=f"{local_part}@{seed_demo.DOMAIN}"))
    assert client.get(reverse("home")).status_code == 200
