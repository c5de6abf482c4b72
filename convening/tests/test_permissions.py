"""Who may open what: every view of the convening app, for every persona.

anonymous → the login page; `outsider` (a facilitator of another organization)
→ 404 for anything of `org` (its existence does not leak) and their own
organization's page for the organization-wide views; a member without the
role → 403; the right role → 200 (pages) or 302 (actions)."""

import pytest
from django.urls import reverse

from convening.models import Role
from convening.tests.factories import MembershipFactory, TeamFactory, UserFactory

pytestmark = pytest.mark.django_db

ANON, OUTSIDER, STAKEHOLDER, LEAD, FACILITATOR = "anonymous", "outsider", "stakeholder", "lead", "facilitator"
PERSONAS = [ANON, OUTSIDER, STAKEHOLDER, LEAD, FACILITATOR]

# view name, method, then the expected status for each of PERSONAS
MATRIX = [
    ("home", "get", 302, 200, 200, 200, 200),
    ("convening:profile", "get", 302, 200, 200, 200, 200),
    ("convening:organization_switch", "post", 302, 404, 302, 302, 302),
    ("convening:team_list", "get", 302, 200, 403, 200, 200),
    ("convening:team_create", "get", 302, 200, 403, 403, 200),
    ("convening:stakeholder_groups", "get", 302, 200, 403, 403, 200),
    ("convening:team_detail", "get", 302, 404, 403, 200, 200),
    ("convening:team_edit", "get", 302, 404, 403, 403, 200),
    ("convening:team_member_add", "get", 302, 404, 403, 403, 200),
    ("convening:team_members_import", "get", 302, 404, 403, 403, 200),
    ("convening:team_member_remove", "get", 302, 404, 403, 403, 200),
    ("convening:team_member_remove", "post", 302, 404, 403, 403, 302),
    ("convening:stakeholder_group_delete", "get", 302, 404, 403, 403, 200),
    ("convening:team_member_group", "post", 302, 404, 403, 403, 302),
]
CASES = [
    pytest.param(view, method, persona, expected, id=f"{view.split(':')[-1]}-{method}-{persona}")
    for view, method, *statuses in MATRIX
    for persona, expected in zip(PERSONAS, statuses, strict=True)
]


@pytest.fixture
def request_for(org, member, groups):
    """The URL and POST data of each view, about `org`'s team and member."""

    def build(view):
        if view == "convening:organization_switch":
            return reverse(view), {"organization": org.pk, "next": "/teams/"}
        if view in {"convening:team_member_remove", "convening:team_member_group"}:
            return reverse(view, args=[member.team.pk, member.pk]), {"stakeholder_group": groups["Educator"].pk}
        if view == "convening:stakeholder_group_delete":
            return reverse(view, args=[groups["Other"].pk]), {}
        if view.startswith("convening:team_") and view not in {"convening:team_list", "convening:team_create"}:
            return reverse(view, args=[member.team.pk]), {}
        return reverse(view), {}

    return build


@pytest.mark.parametrize(("view", "method", "persona", "expected"), CASES)
def test_permission_matrix(client, request, request_for, member, view, method, persona, expected):
    if persona != ANON:
        client.force_login(request.getfixturevalue(persona))
    url, data = request_for(view)

    response = getattr(client, method)(url, data)

    assert response.status_code == expected
    if persona == ANON:
        assert response.url.startswith(reverse("login"))
    if persona == OUTSIDER and expected == 200:
        assert member.team.name not in response.content.decode()
        assert "Demo State Agency" not in response.content.decode()


def test_changing_a_member_s_group_takes_post_only(client, facilitator, member):
    client.force_login(facilitator)
    assert client.get(reverse("convening:team_member_group", args=[member.team.pk, member.pk])).status_code == 405


def test_removing_a_member_is_confirmed_first_and_the_confirmation_changes_nothing(client, facilitator, member):
    client.force_login(facilitator)
    page = client.get(reverse("convening:team_member_remove", args=[member.team.pk, member.pk]))
    text = page.content.decode()
    assert "Ratings they submitted stay in the results, as anonymous responses." in text
    assert 'name="confirmed"' in text
    assert member.team.members.filter(pk=member.pk).exists()


def test_organization_switch_takes_post_only(client, facilitator):
    client.force_login(facilitator)
    assert client.get(reverse("convening:organization_switch")).status_code == 405


def test_a_member_of_another_team_answers_404(client, facilitator, member, org):
    other_team = TeamFactory(organization=org)
    client.force_login(facilitator)
    url = reverse("convening:team_member_remove", args=[other_team.pk, member.pk])
    assert client.post(url).status_code == 404
    assert member.team.members.filter(pk=member.pk).exists()


def test_person_without_organization(client):
    client.force_login(UserFactory())
    assert client.get(reverse("convening:team_list")).status_code == 404
    home = client.get(reverse("home"))
    assert home.status_code == 200
    assert "not a member of any organization" in home.content.decode()


def test_stakeholder_groups_actions_need_a_facilitator(client, lead, outsider, groups):
    url = reverse("convening:stakeholder_groups")
    client.force_login(lead)
    assert client.post(url, {"action": "delete", "group": groups["Other"].pk}).status_code == 403
    # The outsider works in their own organization, where `org`'s group does not exist.
    client.force_login(outsider)
    assert client.post(url, {"action": "delete", "group": groups["Other"].pk}).status_code == 404
    assert client.post(url, {"action": "rename", "group": groups["Other"].pk, "name": "X"}).status_code == 404
    groups["Other"].refresh_from_db()
    assert groups["Other"].name == "Other"


def test_a_facilitator_here_and_lead_there_cannot_edit_there(client, facilitator, other_org):
    """Roles are per organization: facilitating `org` gives nothing in `other_org`."""
    MembershipFactory(organization=other_org, user=facilitator, role=Role.LEAD)
    there = TeamFactory(organization=other_org)
    client.force_login(facilitator)

    detail = client.get(reverse("convening:team_detail", args=[there.pk]))
    assert detail.status_code == 200
    assert reverse("convening:team_edit", args=[there.pk]) not in detail.content.decode()
    assert client.get(reverse("convening:team_edit", args=[there.pk])).status_code == 403
