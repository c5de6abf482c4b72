"""A stakeholder group that rounds used (an invitation, a paper response)
cannot be deleted: the page says why instead of answering 500 (issue 13)."""

import pytest
from django.urls import reverse

from assessments.tests.factories import RoundFactory, invite
from assessments.tests.history_data import CAE, closed_round, respond
from convening.models import StakeholderGroup, TeamMember
from convening.tests.factories import TeamFactory

pytestmark = pytest.mark.django_db


def _delete(client, group):
    return client.post(reverse("convening:stakeholder_groups"), {"action": "delete", "group": group.pk})


def test_a_group_of_a_paper_response_is_not_deleted(client, facilitator, org):
    from datetime import UTC, datetime

    round_ = closed_round(TeamFactory(organization=org), closed_at=datetime(2027, 3, 1, tzinfo=UTC))
    respond(round_, "Advocate", [{1: 2}], slug=CAE)
    group = StakeholderGroup.objects.get(organization=org, name="Advocate")
    client.force_login(facilitator)

    response = _delete(client, group)

    assert response.status_code == 200
    assert "“Advocate” cannot be deleted: rounds used it" in response.content.decode()
    assert StakeholderGroup.objects.filter(pk=group.pk).exists()


def test_a_group_of_an_invitation_whose_member_moved_is_not_deleted(client, facilitator, org):
    round_ = RoundFactory(team=TeamFactory(organization=org))
    group = StakeholderGroup.objects.get(organization=org, name="Provider")
    (invitation,) = invite(round_, group=group)
    TeamMember.objects.filter(user=invitation.user).update(
        stakeholder_group=StakeholderGroup.objects.get(organization=org, name="Family")
    )
    client.force_login(facilitator)

    response = _delete(client, group)

    assert response.status_code == 200
    assert "“Provider” cannot be deleted: rounds used it" in response.content.decode()
    assert StakeholderGroup.objects.filter(pk=group.pk).exists()
