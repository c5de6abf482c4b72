"""Six quick submits of "add member", "invite these members" or an import's
Confirm end in one member and one invitation each, never a duplicate-key
500 (issue 13). Concurrent transactions: PostgreSQL only, as in
rating/test_concurrency.py."""

import pytest
from django.db import connection

from assessments.invitations.services import Invitee, invitations_create
from assessments.models import Invitation
from assessments.tests.factories import RoundFactory
from assessments.tests.rating.test_concurrency import at_once
from convening import services
from convening.models import StakeholderGroup, TeamMember, User
from convening.people_csv import PersonRow
from convening.tests.factories import OrganizationFactory, TeamFactory, TeamMemberFactory

pytestmark = [
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="needs concurrent transactions: DATABASE_URL=postgres://…"
    ),
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]
CLICKS = 6


@pytest.fixture
def team():
    organization = OrganizationFactory()
    StakeholderGroup.objects.create(organization=organization, name="Family")
    return TeamFactory(organization=organization)


def _no_errors(results):
    assert [r for r in results if isinstance(r, Exception)] == []


def test_add_member_clicked_six_times(team):
    group = team.organization.stakeholder_groups.get()
    results = at_once(
        *[
            lambda: services.team_member_add(team=team, email="ana@example.org", name="Ana", stakeholder_group=group)
            for _ in range(CLICKS)
        ]
    )
    _no_errors(results)
    assert TeamMember.objects.filter(team=team).count() == 1
    assert User.objects.filter(email="ana@example.org").count() == 1


def test_import_confirmed_six_times(team):
    rows = [PersonRow(1, "Ana", "ana@example.org", "Family"), PersonRow(2, "Bo", "bo@example.org", "Family")]
    results = at_once(*[lambda: services.team_members_import(team=team, rows=rows) for _ in range(CLICKS)])
    _no_errors(results)
    assert TeamMember.objects.filter(team=team).count() == 2


def test_invite_these_members_clicked_six_times(team):
    member = TeamMemberFactory(team=team, stakeholder_group=team.organization.stakeholder_groups.get())
    round_ = RoundFactory(team=team)
    invitee = Invitee(user=member.user, stakeholder_group=member.stakeholder_group)
    results = at_once(*[lambda: invitations_create(round=round_, invitees=[invitee]) for _ in range(CLICKS)])
    _no_errors(results)
    assert Invitation.objects.filter(round=round_).count() == 1
