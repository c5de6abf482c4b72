"""Who is held to the second step, and where they may go meanwhile."""

import pytest
from django.contrib.auth import BACKEND_SESSION_KEY
from django.urls import reverse

from assessments.invitations import tokens
from assessments.rounds.services import round_open
from assessments.tests.factories import RoundFactory, invite
from convening.models import Role
from convening.sso import BACKEND_PATH as SSO_BACKEND_PATH
from convening.tests.factories import MembershipFactory, TeamFactory
from convening.tests.two_factor_support import verified, with_device
from convening.two_factor.selectors import signed_in_person, users_with_two_factor_state

pytestmark = pytest.mark.django_db

VERIFY = reverse("two_factor:verify")
SETUP = reverse("two_factor:manage")


@pytest.fixture
def requiring(org):
    org.require_two_factor = True
    org.save()
    return org


def _goes_to(response, page):
    return response.status_code == 302 and response["Location"].split("?")[0] == page


@pytest.mark.parametrize("path", ["/", "/teams/", "/accounts/profile/", "/organization/sign-in-security/"])
def test_a_person_with_an_app_gives_its_code_before_any_page(client, facilitator, path):
    with_device(facilitator)
    client.force_login(facilitator)
    response = client.get(path)
    assert _goes_to(response, VERIFY)
    assert response["Location"] == f"{VERIFY}?next={path.replace('/', '%2F')}"


def test_a_form_posted_before_the_code_is_not_sent_on(client, facilitator):
    with_device(facilitator)
    client.force_login(facilitator)
    response = client.post(reverse("convening:team_create"), {"name": "New"})
    assert response["Location"] == VERIFY


def test_once_verified_every_page_opens(client, facilitator):
    device, _codes = with_device(facilitator)
    verified(client, facilitator, device)
    assert client.get("/teams/").status_code == 200


def test_the_admin_asks_its_staff_for_the_code_too(client, django_user_model):
    admin = django_user_model.objects.create_superuser("admin@example.org", "correct-horse-battery-staple")
    device, _codes = with_device(admin)
    client.force_login(admin)
    assert _goes_to(client.get("/admin/"), VERIFY)
    verified(client, admin, device)
    assert client.get("/admin/").status_code == 200


def test_staff_without_an_app_reach_the_admin_as_before(client, django_user_model):
    admin = django_user_model.objects.create_superuser("admin@example.org", "correct-horse-battery-staple")
    client.force_login(admin)
    assert client.get("/admin/").status_code == 200


@pytest.mark.parametrize("role", [Role.FACILITATOR, Role.LEAD])
def test_an_organization_that_requires_it_sends_its_facilitators_and_leads_to_set_it_up(client, requiring, role):
    person = MembershipFactory(organization=requiring, role=role).user
    client.force_login(person)
    response = client.get("/teams/")
    assert response["Location"] == f"{SETUP}?next=%2Fteams%2F"
    page = client.get(response["Location"]).content.decode()
    assert "Demo State Agency requires two-factor sign-in of its facilitators and leads." in page
    assert _goes_to(client.post(reverse("two_factor:setup_start"), {"next": "/teams/"}), reverse("two_factor:setup"))
    assert client.get(reverse("two_factor:setup")).status_code == 200
    assert _goes_to(client.get(VERIFY), SETUP)
    assert _goes_to(client.get("/"), SETUP)


def test_stakeholders_of_an_organization_that_requires_it_are_never_asked(client, requiring, stakeholder):
    client.force_login(stakeholder)
    assert client.get("/").status_code == 200
    assert client.get(reverse("assessments:my_rounds")).status_code == 200


def test_an_organization_that_does_not_require_it_asks_nobody_without_an_app(client, lead):
    client.force_login(lead)
    assert client.get("/teams/").status_code == 200


def test_a_session_begun_by_single_sign_on_is_not_asked(client, requiring, facilitator, settings):
    settings.AUTHENTICATION_BACKENDS = [*settings.AUTHENTICATION_BACKENDS, SSO_BACKEND_PATH]
    settings.OIDC_OP_TOKEN_ENDPOINT = settings.OIDC_OP_USER_ENDPOINT = "https://id.example.org/x"
    settings.OIDC_RP_CLIENT_ID = settings.OIDC_RP_CLIENT_SECRET = "x"
    with_device(facilitator)
    client.force_login(facilitator, backend=SSO_BACKEND_PATH)
    assert client.session[BACKEND_SESSION_KEY] == SSO_BACKEND_PATH
    assert client.get("/teams/").status_code == 200


@pytest.fixture
def rating_lead(requiring):
    """A lead of an organization that requires two-factor sign-in, invited to rate one of its rounds, with no
    app yet: held to setting one up for the organization's pages, not for rating."""
    round_ = RoundFactory(team=TeamFactory(organization=requiring))
    round_open(round=round_)
    lead = MembershipFactory(organization=requiring, role=Role.LEAD).user
    (invitation,) = invite(round_, lead)
    return lead, invitation


def test_the_personal_link_and_the_rating_page_stay_open_before_the_code(client, rating_lead):
    lead, invitation = rating_lead
    client.force_login(lead)
    token = tokens.make_token(invitation.pk, invitation.token_nonce)

    response = client.get(reverse("assessments:link", args=[token]))

    assert response["Location"] == reverse("assessments:rate", args=[invitation.round_id])
    assert client.get(response["Location"]).status_code == 200
    assert client.get(reverse("assessments:my_rounds")).status_code == 200
    assert _goes_to(client.get("/teams/"), SETUP)


def test_a_stakeholder_rating_from_their_link_is_not_affected(client, requiring):
    round_ = RoundFactory(team=TeamFactory(organization=requiring))
    round_open(round=round_)
    (invitation,) = invite(round_)
    response = client.get(reverse("assessments:link", args=[tokens.make_token(invitation.pk, invitation.token_nonce)]))
    assert client.get(response["Location"]).status_code == 200


@pytest.mark.parametrize("name", ["logout", "language_set", "healthz"])
def test_signing_out_the_language_and_the_health_check_stay_open(client, facilitator, name):
    with_device(facilitator)
    client.force_login(facilitator)
    method = client.get if name == "healthz" else client.post
    response = method(reverse(name), {"language": "es"})
    assert not _goes_to(response, VERIFY)


def test_an_invitation_link_opened_before_the_code_keeps_its_token_out_of_the_code_page(
    client, org, other_org, facilitator, django_capture_on_commit_callbacks
):
    """Someone signed in but not past their code opens a link (theirs under another address, or a
    colleague's on a shared computer): its token goes into the session first, and accepting still waits."""
    from django.core import mail

    from convening.people import services as people_services

    with django_capture_on_commit_callbacks(execute=True):
        people_services.account_invite(organization=other_org, email="ana@example.org", role=Role.LEAD, by=None)
    link = mail.outbox[-1].body.split("http://127.0.0.1:8000")[1].split()[0]
    token = link.rstrip("/").split("/")[-1]
    with_device(facilitator)
    client.force_login(facilitator)
    opened = client.get(link)
    assert opened.status_code == 302 and token not in opened["Location"]
    accept = client.get(opened["Location"])
    assert _goes_to(accept, VERIFY) and token not in accept["Location"]


def test_the_signed_in_person_is_read_with_the_state_the_orm_query_gives(org, facilitator, lead, stakeholder):
    """The password backend reads the person through a statement compiled once
    (`signed_in_person`): it must say what `users_with_two_factor_state` says."""
    org.require_two_factor = True
    org.save(update_fields=["require_two_factor"])
    with_device(lead)

    def state(user):
        return [bool(getattr(user, f)) for f in ("two_factor_device", "two_factor_required", "two_factor_works")]

    for person in (facilitator, lead, stakeholder):
        read = signed_in_person(person.pk)
        assert read == person
        assert state(read) == state(users_with_two_factor_state().get(pk=person.pk))
    assert state(signed_in_person(lead.pk)) == [True, True, True]
    assert state(signed_in_person(stakeholder.pk)) == [False, False, False]
    assert signed_in_person(max(p.pk for p in (facilitator, lead, stakeholder)) + 1) is None
