"""A site administrator's account is never another organization's
stakeholder: an organization adding it would hold a membership of, write
the name of, and send mail to the one account that can do everything
(issue 13). Refused, with nothing written."""

import pytest
from django.core.exceptions import ValidationError

from convening import services
from convening.models import Membership, TeamMember, User
from convening.people_csv import PersonRow
from convening.tests.factories import TeamFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("flags", [{"is_superuser": True, "is_staff": True}, {"is_staff": True}])
def test_an_administrator_cannot_be_added_to_a_team(other_org, flags):
    admin = UserFactory(email="root@example.org", name="", **flags)
    team = TeamFactory(organization=other_org)
    group = other_org.stakeholder_groups.create(name="Family")

    with pytest.raises(ValidationError, match="site administrator"):
        services.team_member_add(team=team, email="ROOT@example.org", name="Mallory", stakeholder_group=group)
    with pytest.raises(ValidationError, match="site administrator"):
        services.team_members_import(team=team, rows=[PersonRow(1, "Mallory", "root@example.org", "Family")])

    admin.refresh_from_db()
    assert admin.name == ""
    assert not Membership.objects.filter(user=admin).exists()
    assert not TeamMember.objects.filter(user=admin).exists()
    assert User.objects.get(pk=admin.pk).is_staff


def test_the_import_preview_marks_the_administrators_line(other_org):
    from convening.people_csv import check_rows

    UserFactory(email="root@example.org", is_superuser=True, is_staff=True)
    team = TeamFactory(organization=other_org)
    other_org.stakeholder_groups.create(name="Family")

    (result,) = check_rows(team=team, rows=[PersonRow(1, "Mallory", "root@example.org", "Family")])

    assert result.is_error
    assert "site administrator" in " ".join(result.messages)
