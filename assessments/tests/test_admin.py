"""The admin holds the services' rules: what a round's ratings freeze (its
threshold and rubrics) and an invitation's group cannot change there either."""

import pytest
from django.urls import reverse

from assessments.models import Invitation, Round
from assessments.rating.services import rating_save
from assessments.rounds.services import round_open
from assessments.tests.factories import RoundFactory, invite
from convening.tests.factories import StakeholderGroupFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


def _rated_round():
    round_ = RoundFactory()
    round_open(round=round_)
    (invitation,) = invite(round_)
    key_action = round_.rubrics.first().key_actions.first()
    rating_save(
        invitation=invitation,
        key_action_id=key_action.pk,
        level_id=key_action.rubric.levels.first().pk,
        not_sure=False,
        evidence="",
    )
    return round_, invitation


def _round_form_data(round_, **changes):
    """What the round's change page posts, its rubric rows left as they are."""
    rows = list(round_.round_rubrics.order_by("position"))
    data = {
        "name": round_.name,
        "team": round_.team_id,
        "organization": round_.organization_id,
        "opens_at_0": round_.opens_at.strftime("%Y-%m-%d"),
        "opens_at_1": round_.opens_at.strftime("%H:%M:%S"),
        "closes_at_0": round_.closes_at.strftime("%Y-%m-%d"),
        "closes_at_1": round_.closes_at.strftime("%H:%M:%S"),
        "threshold": round_.threshold,
        "round_rubrics-TOTAL_FORMS": len(rows),
        "round_rubrics-INITIAL_FORMS": len(rows),
        "round_rubrics-MIN_NUM_FORMS": 0,
        "round_rubrics-MAX_NUM_FORMS": 1000,
    }
    for index, row in enumerate(rows):
        data |= {
            f"round_rubrics-{index}-id": row.pk,
            f"round_rubrics-{index}-round": round_.pk,
            f"round_rubrics-{index}-rubric": row.rubric_id,
            f"round_rubrics-{index}-position": row.position,
        }
    return data | changes


def test_a_rated_rounds_threshold_and_rubrics_are_read_only(admin_client):
    round_, _invitation = _rated_round()
    url = reverse("admin:assessments_round_change", args=[round_.pk])
    page = admin_client.get(url)
    assert page.status_code == 200
    assert 'name="threshold"' not in page.content.decode()
    assert 'name="round_rubrics-0-rubric"' not in page.content.decode()
    rubric_ids = list(round_.round_rubrics.values_list("rubric_id", flat=True))
    threshold = round_.threshold

    admin_client.post(url, _round_form_data(round_, threshold=threshold + 5, name="Renamed"))

    round_.refresh_from_db()
    assert round_.name == "Renamed"  # what the services let change still does
    assert round_.threshold == threshold
    assert list(round_.round_rubrics.values_list("rubric_id", flat=True)) == rubric_ids


def test_an_unrated_rounds_threshold_can_still_change(admin_client):
    round_ = RoundFactory()
    url = reverse("admin:assessments_round_change", args=[round_.pk])
    assert 'name="threshold"' in admin_client.get(url).content.decode()
    response = admin_client.post(url, _round_form_data(round_, threshold=7))
    assert response.status_code == 302, response.content.decode()[:2000]
    assert Round.objects.get(pk=round_.pk).threshold == 7


def test_an_invitations_group_is_read_only(admin_client):
    _round, invitation = _rated_round()
    other_group = StakeholderGroupFactory(organization=invitation.round.organization)
    url = reverse("admin:assessments_invitation_change", args=[invitation.pk])
    assert 'name="stakeholder_group"' not in admin_client.get(url).content.decode()

    admin_client.post(url, {"stakeholder_group": other_group.pk, "revoked_at_0": "", "revoked_at_1": ""})

    assert Invitation.objects.get(pk=invitation.pk).stakeholder_group_id == invitation.stakeholder_group_id
