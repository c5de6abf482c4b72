"""Each page costs a fixed number of queries, whatever the number of teams,
members or groups. The counts include the savepoint the request's
transaction (ATOMIC_REQUESTS) opens and releases inside the test's own."""

import pytest
from django.urls import reverse

from convening.tests.factories import StakeholderGroupFactory, TeamFactory, TeamMemberFactory

pytestmark = pytest.mark.django_db

# Every signed-in page: 1 the session; 2 the user; 3 SAVEPOINT; … ; last RELEASE SAVEPOINT.
# The page header asks for the person's organizations (switcher; the current
# organization is one of them) and the current organization's roles (menu);
# pages about the current organization share both with the view.


@pytest.mark.parametrize("teams", [2, 20])
def test_team_list(client, facilitator, org, groups, teams, django_assert_num_queries):
    for team in TeamFactory.create_batch(teams, organization=org):
        TeamMemberFactory.create_batch(2, team=team, stakeholder_group=groups["Family"])
    client.force_login(facilitator)
    # session, user, SAVEPOINT, the person's organizations (the current one
    # among them), roles there, teams with member counts, RELEASE.
    with django_assert_num_queries(7):
        response = client.get(reverse("convening:team_list"))
    assert response.content.decode().count('<th scope="row">') == teams


@pytest.mark.parametrize(("members", "extra_groups"), [(3, 0), (30, 10)])
def test_team_detail(client, facilitator, team, groups, members, extra_groups, django_assert_num_queries):
    more = [StakeholderGroupFactory(organization=team.organization) for _ in range(extra_groups)]
    choices = [*groups.values(), *more]
    for n in range(members):
        TeamMemberFactory(team=team, stakeholder_group=choices[n % len(choices)])
    client.force_login(facilitator)
    # session, user, SAVEPOINT, the team with its organization, the roles
    # there, the groups with the team's counts, the members' count (pages),
    # the person's organizations and the current one's roles (header),
    # the page of members with person and group, the groups of the add
    # form, RELEASE.
    with django_assert_num_queries(12):
        response = client.get(reverse("convening:team_detail", args=[team.pk]))
    assert response.content.decode().count('name="stakeholder_group"') == members + 1


@pytest.mark.parametrize(("members", "extra_groups"), [(3, 0), (30, 10)])
def test_stakeholder_groups(client, facilitator, org, groups, members, extra_groups, django_assert_num_queries):
    StakeholderGroupFactory.create_batch(extra_groups, organization=org)
    for n in range(members):
        TeamMemberFactory(team__organization=org, stakeholder_group=groups["Family" if n % 2 else "Educator"])
    client.force_login(facilitator)
    # session, user, SAVEPOINT, the person's organizations (the current one
    # among them), roles there, groups with their member counts, RELEASE.
    with django_assert_num_queries(7):
        response = client.get(reverse("convening:stakeholder_groups"))
    assert response.content.decode().count('value="rename"') == len(groups) + extra_groups
