"""What the pages do for the people allowed to use them."""

import pytest
from django.urls import reverse

from convening.access import SESSION_ORGANIZATION_KEY
from convening.models import Organization, Role, StakeholderGroup, Team, TeamMember
from convening.tests.factories import MembershipFactory, TeamFactory, TeamMemberFactory

pytestmark = pytest.mark.django_db


def _text(response):
    return " ".join(response.content.decode().split())


@pytest.fixture
def as_facilitator(client, facilitator):
    client.force_login(facilitator)
    return client


# Organization switch


def test_switching_changes_the_current_organization(client, facilitator, other_org):
    MembershipFactory(organization=other_org, user=facilitator, role=Role.LEAD)
    TeamFactory(organization=other_org, name="Neighbour team")
    client.force_login(facilitator)

    response = client.post(reverse("convening:organization_switch"), {"organization": other_org.pk, "next": "/teams/"})

    assert response.status_code == 302
    assert response.url == "/teams/"
    assert client.session[SESSION_ORGANIZATION_KEY] == other_org.pk
    assert "Neighbour team" in client.get("/teams/").content.decode()


def test_switching_to_an_organization_one_does_not_belong_to_answers_404(as_facilitator, other_org):
    response = as_facilitator.post(reverse("convening:organization_switch"), {"organization": other_org.pk})
    assert response.status_code == 404
    assert SESSION_ORGANIZATION_KEY not in as_facilitator.session


@pytest.mark.parametrize(
    "next_url", ["https://evil.example.com/", "//evil.example.com/teams/", "", "javascript:alert(1)"]
)
def test_switching_ignores_a_next_address_on_another_site(as_facilitator, org, next_url):
    response = as_facilitator.post(reverse("convening:organization_switch"), {"organization": org.pk, "next": next_url})
    assert response.status_code == 302
    assert response.url == "/"


def test_switching_without_a_valid_organization_is_a_bad_request(as_facilitator):
    assert as_facilitator.post(reverse("convening:organization_switch"), {"organization": "x"}).status_code == 400


def test_a_stale_choice_falls_back_to_an_organization_of_ones_own(client, facilitator, other_org):
    client.force_login(facilitator)
    session = client.session
    session[SESSION_ORGANIZATION_KEY] = other_org.pk  # e.g. the membership was removed since
    session.save()
    assert "Demo State Agency" in client.get(reverse("home")).content.decode()


# Profile (the home page is assessments' now: assessments/tests/home/)


def test_profile_lists_organizations_and_roles_and_saves(client, facilitator, other_org):
    MembershipFactory(organization=other_org, user=facilitator, role=Role.LEAD)
    MembershipFactory(organization=other_org, user=facilitator, role=Role.STAKEHOLDER)
    client.force_login(facilitator)

    page = _text(client.get(reverse("convening:profile")))
    assert "Demo State Agency: Facilitator" in page
    assert "Other State Agency: Lead, Stakeholder" in page
    assert reverse("password_change") in page

    response = client.post(reverse("convening:profile"), {"name": "  Fran  ", "language": "es"})
    assert response.status_code == 302
    facilitator.refresh_from_db()
    assert (facilitator.name, facilitator.language) == ("Fran", "es")


# Teams


def test_team_create(as_facilitator, org):
    response = as_facilitator.post(reverse("convening:team_create"), {"name": "Part C team", "description": "Infants"})
    team = Team.objects.get(name="Part C team")
    assert team.organization == org
    assert response.url == reverse("convening:team_detail", args=[team.pk])


def test_team_create_refusal_is_shown_on_the_form(as_facilitator, team):
    response = as_facilitator.post(reverse("convening:team_create"), {"name": team.name.upper()})
    assert response.status_code == 200
    assert 'role="alert"' in response.content.decode()
    assert "There is a team called" in _text(response)
    assert Team.objects.count() == 1


def test_team_edit(as_facilitator, team):
    url = reverse("convening:team_edit", args=[team.pk])
    assert team.name in as_facilitator.get(url).content.decode()
    as_facilitator.post(url, {"name": "Renamed", "description": "New words"})
    team.refresh_from_db()
    assert (team.name, team.description) == ("Renamed", "New words")


def test_team_detail_counts_per_group_and_offers_facilitators_the_tools(client, facilitator, lead, team, groups):
    TeamMemberFactory.create_batch(2, team=team, stakeholder_group=groups["Family"])
    TeamMemberFactory(team=team, stakeholder_group=groups["Advocate"])
    url = reverse("convening:team_detail", args=[team.pk])

    client.force_login(facilitator)
    page = _text(client.get(url))
    assert '<th scope="row">Family</th><td class="text-end">2</td>' in page
    assert '<th scope="row">Educator</th><td class="text-end">0</td>' in page
    assert 'All members</th><td class="text-end">3</td>' in page
    assert reverse("convening:team_members_import", args=[team.pk]) in page
    assert page.count("Remove") >= 3

    client.force_login(lead)
    page = _text(client.get(url))
    assert '<th scope="row">Family</th><td class="text-end">2</td>' in page
    assert reverse("convening:team_members_import", args=[team.pk]) not in page
    assert "<form" not in page.split('id="main"')[1]


def test_member_add_then_again(as_facilitator, team, groups):
    url = reverse("convening:team_member_add", args=[team.pk])
    data = {"name": "Ana Silva", "email": "Ana@Example.org", "stakeholder_group": groups["Provider"].pk}

    first = as_facilitator.post(url, data, follow=True)
    second = as_facilitator.post(url, {**data, "stakeholder_group": groups["Family"].pk}, follow=True)

    assert "Ana Silva was added to the team." in _text(first)
    assert "Ana Silva is already on the team, in the group “Provider”: nothing was changed." in _text(second)
    assert team.members.get().stakeholder_group == groups["Provider"]


def test_member_add_refuses_a_group_of_another_organization(as_facilitator, team, other_org):
    foreign = StakeholderGroup.objects.create(organization=other_org, name="Family")
    url = reverse("convening:team_member_add", args=[team.pk])
    response = as_facilitator.post(url, {"email": "a@example.org", "stakeholder_group": foreign.pk})
    assert response.status_code == 200
    assert "Select a valid choice" in _text(response)
    assert not TeamMember.objects.exists()


def test_member_change_group_and_remove(as_facilitator, member, groups):
    team = member.team
    as_facilitator.post(
        reverse("convening:team_member_group", args=[team.pk, member.pk]), {"stakeholder_group": groups["Other"].pk}
    )
    member.refresh_from_db()
    assert member.stakeholder_group == groups["Other"]

    response = as_facilitator.post(reverse("convening:team_member_remove", args=[team.pk, member.pk]))
    assert response.url == reverse("convening:team_detail", args=[team.pk])
    assert not team.members.exists()


def test_member_change_to_another_organizations_group_is_refused(as_facilitator, member, other_org):
    foreign = StakeholderGroup.objects.create(organization=other_org, name="Family")
    url = reverse("convening:team_member_group", args=[member.team.pk, member.pk])
    response = as_facilitator.post(url, {"stakeholder_group": foreign.pk}, follow=True)
    assert "Choose one of the organization’s stakeholder groups." in _text(response)
    member.refresh_from_db()
    assert member.stakeholder_group.organization == member.team.organization


def test_team_members_are_paged(as_facilitator, team, groups):
    TeamMemberFactory.create_batch(101, team=team, stakeholder_group=groups["Family"])
    url = reverse("convening:team_detail", args=[team.pk])
    assert "page 1 of 2" in _text(as_facilitator.get(url))
    assert _text(as_facilitator.get(url, {"page": 2})).count("Change group") == 1


# Stakeholder groups


def test_stakeholder_groups_add_rename_delete(as_facilitator, org, groups):
    url = reverse("convening:stakeholder_groups")

    as_facilitator.post(url, {"action": "create", "new-name": "Youth"})
    as_facilitator.post(url, {"action": "rename", "group": groups["Other"].pk, "name": "Community"})
    as_facilitator.post(url, {"action": "delete", "group": groups["Advocate"].pk})

    names = set(org.stakeholder_groups.values_list("name", flat=True))
    assert {"Youth", "Community"} <= names
    assert not {"Other", "Advocate"} & names


def test_stakeholder_group_refusals_are_shown_on_the_page(as_facilitator, member, groups):
    url = reverse("convening:stakeholder_groups")

    delete = as_facilitator.post(url, {"action": "delete", "group": groups["Family"].pk})
    rename = as_facilitator.post(url, {"action": "rename", "group": groups["Other"].pk, "name": "family"})
    create = as_facilitator.post(url, {"action": "create", "new-name": "EDUCATOR"})

    assert "“Family” cannot be deleted: 1 team member belongs to it." in _text(delete)
    assert 'aria-invalid="true"' in rename.content.decode()
    assert "There is a group called “Family” already." in _text(rename)
    assert "There is a group called “Educator” already." in _text(create)
    assert StakeholderGroup.objects.filter(organization=member.team.organization).count() == len(groups)


def test_stakeholder_groups_unknown_action(as_facilitator):
    assert as_facilitator.post(reverse("convening:stakeholder_groups"), {"action": "drop"}).status_code == 400


# Admin


def test_adding_an_organization_in_admin_seeds_the_default_groups(admin_client):
    data = {
        "name": "Admin Agency",
        "time_zone": "UTC",
        "audit_retention_days": "730",
        "paper_size": "letter",
        "stakeholder_groups-TOTAL_FORMS": "1",
        "stakeholder_groups-INITIAL_FORMS": "0",
        "stakeholder_groups-0-name": "family",
        "stakeholder_groups-0-position": "0",
        "memberships-TOTAL_FORMS": "0",
        "memberships-INITIAL_FORMS": "0",
    }
    response = admin_client.post(reverse("admin:convening_organization_add"), data)

    assert response.status_code == 302
    organization = Organization.objects.get(name="Admin Agency")
    names = list(organization.stakeholder_groups.values_list("name", flat=True))
    assert names == ["family", "Educator", "Administrator", "Provider", "Advocate", "Other"]
