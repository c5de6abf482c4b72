"""The people and roles pages: who may open them, what they show, what their forms and confirmations do,
and their cost in queries."""

import pytest
from django.core import mail
from django.urls import reverse

from convening.models import AccountInvitation, AuditEvent, AuditKind, Membership, Role
from convening.people import services
from convening.tests.factories import MembershipFactory, TeamFactory, TeamMemberFactory, UserFactory

pytestmark = pytest.mark.django_db

ANON, OUTSIDER, STAKEHOLDER, LEAD, FACILITATOR = "anonymous", "outsider", "stakeholder", "lead", "facilitator"
PERSONAS = [ANON, OUTSIDER, STAKEHOLDER, LEAD, FACILITATOR]

# view name, method, then the expected status for each of PERSONAS. The people page is about the current
# organization: an outsider sees their own organization's. The others name an object of `org`.
MATRIX = [
    ("convening:people", "get", 302, 200, 403, 403, 200),
    ("convening:people", "post", 302, 200, 403, 403, 200),  # an empty invitation form, shown again
    ("convening:person", "get", 302, 404, 403, 403, 200),
    ("convening:person", "post", 302, 404, 403, 403, 302),
    ("convening:person_remove", "get", 302, 404, 403, 403, 200),
    ("convening:person_remove", "post", 302, 404, 403, 403, 302),
    ("convening:account_invitation_resend", "post", 302, 404, 403, 403, 302),
    ("convening:account_invitation_revoke", "get", 302, 404, 403, 403, 200),
    ("convening:account_invitation_revoke", "post", 302, 404, 403, 403, 302),
]
CASES = [
    pytest.param(view, method, persona, expected, id=f"{view.split(':')[-1]}-{method}-{persona}")
    for view, method, *statuses in MATRIX
    for persona, expected in zip(PERSONAS, statuses, strict=True)
]


@pytest.fixture
def colleague(org):
    """A lead of `org` whom the pages act on."""
    person = UserFactory(email="colleague@example.org")
    MembershipFactory(organization=org, user=person, role=Role.LEAD)
    return person


@pytest.fixture
def pending(org, facilitator):
    return services.account_invite(
        organization=org, email="newcomer@example.org", role=Role.LEAD, by=facilitator
    ).invitation


@pytest.mark.parametrize(("view", "method", "persona", "expected"), CASES)
def test_permission_matrix(client, request, colleague, pending, view, method, persona, expected):
    if persona != ANON:
        client.force_login(request.getfixturevalue(persona))
    args = {"convening:people": [], "convening:person": [colleague.pk], "convening:person_remove": [colleague.pk]}
    url = reverse(view, args=args.get(view, [pending.pk]))

    response = getattr(client, method)(
        url, {"roles": [Role.LEAD, Role.STAKEHOLDER]} if view == "convening:person" else {}
    )

    assert response.status_code == expected
    if persona == ANON:
        assert response.url.startswith(reverse("login"))
    if persona == OUTSIDER and expected == 200:
        assert colleague.email not in response.content.decode()
        assert pending.email not in response.content.decode()


def test_resend_takes_post_only(client, facilitator, pending):
    client.force_login(facilitator)
    assert client.get(reverse("convening:account_invitation_resend", args=[pending.pk])).status_code == 405


def test_the_page_lists_people_with_roles_and_teams_and_the_invitations_waiting(
    client, org, facilitator, colleague, pending
):
    team = TeamFactory(organization=org, name="SSIP Team")
    TeamMemberFactory(team=team, user=colleague)
    MembershipFactory(organization=org, user=colleague, role=Role.STAKEHOLDER)
    client.force_login(facilitator)

    page = client.get(reverse("convening:people")).content.decode()

    assert "colleague@example.org" in page and "Lead, Stakeholder" in page and "SSIP Team" in page
    assert "newcomer@example.org" in page
    assert reverse("convening:account_invitation_revoke", args=[pending.pk]) in page
    assert reverse("convening:people") in client.get(reverse("home")).content.decode()  # the header's link


def test_the_header_shows_people_to_facilitators_only(client, lead):
    client.force_login(lead)
    assert reverse("convening:people") not in client.get(reverse("home")).content.decode()


def test_a_role_filter_shows_those_with_the_role(client, org, facilitator, colleague):
    client.force_login(facilitator)
    page = client.get(reverse("convening:people"), {"role": Role.FACILITATOR}).content.decode()
    assert facilitator.email in page and colleague.email not in page


def test_inviting_from_the_page(client, org, facilitator, django_capture_on_commit_callbacks):
    client.force_login(facilitator)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("convening:people"), {"email": "Ana@Example.org", "role": Role.LEAD}, follow=True
        )

    assert "An invitation was sent to ana@example.org as Lead. The link works for 7 days." in response.content.decode()
    assert AccountInvitation.objects.get().email == "ana@example.org"
    (message,) = mail.outbox
    assert message.to == ["ana@example.org"]


def test_inviting_twice_says_it_was_sent_again(client, facilitator, pending):
    client.force_login(facilitator)
    response = client.post(reverse("convening:people"), {"email": pending.email, "role": Role.LEAD}, follow=True)
    assert "was sent again, with a new link" in response.content.decode()
    assert AccountInvitation.objects.count() == 1


def test_inviting_someone_with_the_role_says_so(client, facilitator, colleague):
    client.force_login(facilitator)
    response = client.post(reverse("convening:people"), {"email": colleague.email, "role": Role.LEAD})
    assert response.status_code == 200
    assert "already has the role “Lead”" in response.content.decode()


def test_revoking_asks_first_then_revokes(client, facilitator, pending):
    client.force_login(facilitator)
    url = reverse("convening:account_invitation_revoke", args=[pending.pk])

    confirmation = client.get(url).content.decode()
    pending.refresh_from_db()
    assert pending.revoked_at is None
    assert "The link they were sent stops working" in confirmation

    response = client.post(url, follow=True)
    pending.refresh_from_db()
    assert pending.revoked_at is not None
    assert "was revoked" in response.content.decode()


def test_changing_roles_from_the_person_page(client, org, facilitator, colleague):
    client.force_login(facilitator)
    response = client.post(reverse("convening:person", args=[colleague.pk]), {"roles": [Role.FACILITATOR]}, follow=True)
    assert "were changed" in response.content.decode()
    assert list(Membership.objects.filter(organization=org, user=colleague).values_list("role", flat=True)) == [
        Role.FACILITATOR
    ]


def test_the_last_facilitator_is_told_why_their_role_stays(client, org, facilitator):
    client.force_login(facilitator)
    page = client.get(reverse("convening:person", args=[facilitator.pk])).content.decode()
    assert "This is the only facilitator" in page

    response = client.post(reverse("convening:person", args=[facilitator.pk]), {"roles": [Role.LEAD]})

    assert "must keep a facilitator" in response.content.decode()
    assert Membership.objects.filter(organization=org, user=facilitator, role=Role.FACILITATOR).exists()
    assert not AuditEvent.objects.exists()


def test_removing_asks_first_saying_what_stays(client, org, facilitator, colleague):
    client.force_login(facilitator)
    url = reverse("convening:person_remove", args=[colleague.pk])

    page = client.get(url).content.decode()
    assert Membership.objects.filter(organization=org, user=colleague).exists()
    assert "What stays" in page and "0 submitted responses stay" in page

    response = client.post(url, follow=True)
    assert "was removed from Demo State Agency" in response.content.decode()
    assert not Membership.objects.filter(organization=org, user=colleague).exists()
    assert AuditEvent.objects.filter(kind=AuditKind.MEMBER_REMOVED).count() == 1


def test_the_last_facilitator_has_no_remove_button(client, org, facilitator):
    client.force_login(facilitator)
    url = reverse("convening:person_remove", args=[facilitator.pk])
    page = client.get(url).content.decode()
    assert "must keep one" in page and 'type="submit" class="btn btn-danger"' not in page

    response = client.post(url, follow=True)
    assert "must keep a facilitator" in response.content.decode()
    assert Membership.objects.filter(organization=org, user=facilitator).exists()


def test_a_facilitator_leaving_goes_home(client, org, facilitator):
    MembershipFactory(organization=org, role=Role.FACILITATOR)
    client.force_login(facilitator)
    response = client.post(reverse("convening:person_remove", args=[facilitator.pk]))
    assert response.url == reverse("home")


@pytest.mark.parametrize("people", [2, 20])
def test_people_page_queries(client, org, facilitator, people, django_assert_num_queries):
    for n in range(people):
        person = UserFactory()
        MembershipFactory(organization=org, user=person, role=Role.LEAD if n % 2 else Role.STAKEHOLDER)
        TeamMemberFactory(team=TeamFactory(organization=org), user=person)
        services.account_invite(organization=org, email=f"invitee{n}@example.org", role=Role.LEAD, by=facilitator)
    client.force_login(facilitator)
    # session, user, SAVEPOINT, the person's organizations (the current one among them, and the header's),
    # roles there, the page's count of people, the page of people with their names, their roles, their
    # teams, the invitations waiting, RELEASE.
    with django_assert_num_queries(11):
        response = client.get(reverse("convening:people"))
    # A row per invitation, and per person (the facilitator too).
    assert response.content.decode().count('<th scope="row"') == 2 * people + 1


@pytest.mark.parametrize("teams", [2, 20])
@pytest.mark.parametrize(("view", "queries"), [("convening:person", 10), ("convening:person_remove", 12)])
def test_person_pages_queries(client, org, facilitator, colleague, teams, view, queries, django_assert_num_queries):
    for _ in range(teams):
        TeamMemberFactory(team=TeamFactory(organization=org), user=colleague)
    client.force_login(facilitator)
    # session, user, SAVEPOINT, the person's organizations (the current one among them, and the header's),
    # roles there, the person, their roles, name and teams, (removal: their rounds' invitations counted,
    # the invitations waiting for them), RELEASE. (The facilitators are counted only on a facilitator's page.)
    with django_assert_num_queries(queries):
        response = client.get(reverse(view, args=[colleague.pk]))
    assert response.status_code == 200
