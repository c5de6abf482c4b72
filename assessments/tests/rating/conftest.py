"""Fixtures of the participant's pages' tests."""

import pytest
from django.test import Client

from assessments.invitations.selectors import invitation_link_path
from assessments.rounds.services import round_open
from assessments.tests.factories import RoundFactory, invite, rubric_with


@pytest.fixture
def round_of(team):
    def make(size: int):
        round_ = RoundFactory.create(team=team, rubrics=[rubric_with(organization=team.organization, key_actions=size)])
        round_open(round=round_)
        (invitation,) = invite(round_)
        client = Client()
        client.get(invitation_link_path(invitation))
        return round_, client

    return make
