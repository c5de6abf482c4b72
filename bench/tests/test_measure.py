"""bench/measure.py's autosave, which bench/peer/our_side.py times too: it
must save as the rating page's script does, one version after the other, or
the figures measure a refusal."""

import pytest

from assessments.models import Rating
from assessments.rounds.services import round_open
from assessments.tests.factories import RoundFactory, invite
from bench.measure import stakeholder_autosave
from convening.tests.factories import TeamFactory

pytestmark = pytest.mark.django_db


def test_the_autosave_stores_a_level_and_follows_its_version(org):
    round_ = RoundFactory(team=TeamFactory(organization=org))
    round_open(round=round_)
    (invitation,) = invite(round_)

    stakeholder, rate_url, autosave = stakeholder_autosave()
    assert stakeholder.get(rate_url).status_code == 200
    autosave()
    autosave()

    (rating,) = Rating.objects.filter(response__invitation=invitation)
    assert rating.level is not None and rating.level.position == 1
    assert rating.level_version == 2
