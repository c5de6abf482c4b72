"""Fixtures the feature packages' tests share: a team, its draft round and an open one."""

from datetime import timedelta

import pytest
from django.utils import timezone

from assessments.rounds.services import round_open
from assessments.tests.factories import RoundFactory
from convening.tests.factories import TeamFactory


@pytest.fixture
def team(org):
    return TeamFactory(organization=org, name="SSIP stakeholder team")


@pytest.fixture
def draft(team):
    return RoundFactory(team=team, opens_at=timezone.now() + timedelta(days=1))


@pytest.fixture
def open_round(team):
    round_ = RoundFactory(team=team)
    round_open(round=round_)
    return round_
