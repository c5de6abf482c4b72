"""People are one account across organizations; what one organization types
about a person is that organization's (a PersonName), shown on its pages
only, and an organization that types an address learns no name it did not
give (issue 13). Every case through HTTP, as organization B would try it."""

import pytest
from django.core import mail
from django.urls import reverse

from assessments.invitations.services import Invitee, invitations_create
from assessments.rounds.services import round_open
from assessments.tests.factories import RoundFactory
from convening.models import Membership, PersonName, Role, TeamMember, User
from convening.tests.factories import MembershipFactory, TeamFactory, UserFactory

pytestmark = pytest.mark.django_db

LABEL = "Mallory-label"


@pytest.fixture
def a_lead(org):
    """A's lead, whom A knows as Lee Lead (and who calls themselves so)."""
    person = UserFactory(email="lead@a.example", name="Lee Lead")
    MembershipFactory(organization=org, user=person, role=Role.LEAD)
    PersonName.objects.create(organization=org, user=person, name="Lee Lead")
    return person


@pytest.fixture
def team_a(org):
    return TeamFactory(organization=org, name="Team A")


@pytest.fixture
def team_b(other_org):
    other_org.stakeholder_groups.create(name="Family")
    return TeamFactory(organization=other_org, name="Team B")


def _add(client, team, email, name):
    group = team.organization.stakeholder_groups.get(name="Family")
    return client.post(
        reverse("convening:team_member_add", args=[team.pk]),
        {"email": email, "name": name, "stakeholder_group": group.pk},
        follow=True,
    )


def _import(client, team, email, name):
    url = reverse("convening:team_members_import", args=[team.pk])
    preview = client.post(url, {"text": f"{name},{email},Family"})
    payload = preview.context["confirm_form"]["payload"].value()
    return client.post(url, {"payload": payload}, follow=True)


def _team_page(client, team):
    return client.get(reverse("convening:team_detail", args=[team.pk])).content.decode()


def test_b_adding_as_lead_with_an_empty_name_is_shown_no_name(client, outsider, team_b, a_lead):
    client.force_login(outsider)

    added = _add(client, team_b, "lead@a.example", "").content.decode()

    assert "lead@a.example was added to the team." in added
    assert "Lee Lead" not in added
    assert "Lee Lead" not in _team_page(client, team_b)


def test_b_importing_as_lead_is_shown_no_name(client, outsider, team_b, a_lead):
    client.force_login(outsider)

    imported = _import(client, team_b, "lead@a.example", "").content.decode()

    assert "1 person was added to the team." in imported
    assert "Lee Lead" not in imported
    assert "Lee Lead" not in _team_page(client, team_b)


@pytest.mark.parametrize("adding", [_add, _import])
@pytest.mark.parametrize("a_named_her", ["Ana Silva", ""])
def test_bs_name_for_a_person_of_a_appears_on_none_of_as_pages(
    client, facilitator, outsider, team_a, team_b, adding, a_named_her
):
    client.force_login(facilitator)
    _add(client, team_a, "ana@example.org", a_named_her)
    client.force_login(outsider)

    adding(client, team_b, "ana@example.org", LABEL)

    assert LABEL in _team_page(client, team_b)  # B's own name, on B's pages
    client.force_login(facilitator)
    page_a = _team_page(client, team_a)
    assert LABEL not in page_a
    assert (a_named_her or "ana@example.org") in page_a
    ana = User.objects.get(email="ana@example.org")
    assert ana.name == ""  # nobody's label became her own name


def test_a_person_b_created_and_named_is_nameless_to_a(client, facilitator, outsider, team_a, team_b):
    client.force_login(outsider)
    _add(client, team_b, "carl@example.org", LABEL)
    client.force_login(facilitator)

    added = _add(client, team_a, "carl@example.org", "").content.decode()

    assert "carl@example.org was added to the team." in added
    assert LABEL not in added
    assert LABEL not in _team_page(client, team_a)


def test_as_round_pages_and_mail_use_as_name(
    client, facilitator, outsider, team_a, team_b, django_capture_on_commit_callbacks
):
    client.force_login(facilitator)
    _add(client, team_a, "ana@example.org", "Ana Silva")
    client.force_login(outsider)
    _add(client, team_b, "ana@example.org", LABEL)
    client.force_login(facilitator)
    round_ = RoundFactory(team=team_a)
    member = TeamMember.objects.get(team=team_a)

    invite_page = client.get(reverse("assessments:invitations_add", args=[round_.pk])).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("assessments:invitations_add", args=[round_.pk]), {"step": "members", "members": [member.pk]}
        )
    round_page = client.get(reverse("assessments:round_detail", args=[round_.pk])).content.decode()

    for page in (invite_page, round_page):
        assert "Ana Silva" in page
        assert LABEL not in page
    assert all(LABEL not in message.body for message in mail.outbox)


@pytest.mark.parametrize("flags", [{"is_superuser": True, "is_staff": True}, {"is_staff": True}])
@pytest.mark.parametrize("adding", [_add, "import"])
def test_b_adding_the_sites_administrator_is_refused_and_grants_nothing(client, outsider, team_b, flags, adding):
    """Refused rather than accepted quietly: a membership would let B mail the
    account that can do everything and name it, and no role of an
    organization carries the staff flag, so refusing is the only answer that
    writes nothing. The refusal echoes no name."""
    admin = UserFactory(email="root@example.org", name="Site Root", **flags)
    client.force_login(outsider)

    if adding == "import":
        url = reverse("convening:team_members_import", args=[team_b.pk])
        page = client.post(url, {"text": f"{LABEL},ROOT@example.org,Family"})
        assert page.context["confirm_form"] is None
    else:
        page = _add(client, team_b, "ROOT@example.org", LABEL)
    text = page.content.decode()

    assert "A site administrator’s account cannot be a team member" in text
    assert "Site Root" not in text
    admin.refresh_from_db()
    assert (admin.name, admin.is_staff, admin.is_superuser) == ("Site Root", True, flags.get("is_superuser", False))
    assert not Membership.objects.filter(user=admin).exists()
    assert not TeamMember.objects.filter(user=admin).exists()
    assert not PersonName.objects.filter(user=admin).exists()
    outsider.refresh_from_db()
    assert not (outsider.is_staff or outsider.is_superuser)


def test_the_rating_page_calls_the_person_what_the_rounds_organization_does(
    client, facilitator, outsider, team_a, team_b
):
    client.force_login(outsider)
    _add(client, team_b, "ana@example.org", LABEL)
    _add(client, team_b, "carl@example.org", LABEL)
    client.force_login(facilitator)
    _add(client, team_a, "ana@example.org", "Ana Silva")
    _add(client, team_a, "carl@example.org", "")
    round_ = RoundFactory(team=team_a)
    round_open(round=round_)
    invitations_create(
        round=round_,
        invitees=[Invitee(user=m.user, stakeholder_group=m.stakeholder_group) for m in team_a.members.all()],
    )

    for email, shown in (("ana@example.org", "Ana Silva"), ("carl@example.org", "carl@example.org")):
        client.force_login(User.objects.get(email=email))
        page = client.get(reverse("assessments:rate", args=[round_.pk])).content.decode()
        assert f"You are rating as <strong>{shown}</strong>." in page
        assert LABEL not in page
