"""Fixtures the feature packages' tests share: a team, its draft round and an open one, and the
shipped Spanish translation of Creating Active Engagement."""

import json
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
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


SPANISH_CAE = Path(settings.BASE_DIR) / "rubrics" / "data" / "es" / "creating-active-engagement.json"


@pytest.fixture
def spanish():
    """The shipped Spanish translation of Creating Active Engagement, as data."""
    return json.loads(SPANISH_CAE.read_text(encoding="utf-8"))
