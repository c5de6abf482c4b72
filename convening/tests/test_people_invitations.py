"""Accepting an account invitation from its link: a new person sets a password, a person with one signs in
and accepts, and every link that can no longer be used (expired, used, revoked, replaced by a resend,
unknown) says which, and what to do. Nobody accepts an invitation sent to another address."""

import re
from datetime import timedelta

import pytest
from django.contrib.auth import SESSION_KEY
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from convening.access import SESSION_ORGANIZATION_KEY
from convening.access_log import MASK, mask_secrets
from convening.models import AccountInvitation, AuditEvent, AuditKind, Membership, PersonName, Role, User
from convening.people import services
from convening.tests.factories import PASSWORD, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "a-long-enough-passphrase"


@pytest.fixture
def invited(org, facilitator, django_capture_on_commit_callbacks):
    """Invites ana@example.org to `org` as `role` and returns the link from the mail."""

    def make(email="ana@example.org", role=Role.LEAD, organization=None):
        with django_capture_on_commit_callbacks(execute=True):
            services.account_invite(organization=organization or org, email=email, role=role, by=facilitator)
        return mail.outbox[-1].body.split("http://127.0.0.1:8000")[1].split()[0]

    return make


def _accept_page():
    return reverse("convening:account_invitation_accept")


def test_a_new_person_sets_a_password_and_is_signed_in(client, org, invited):
    link = invited()

    opened = client.get(link)
    assert opened.status_code == 302 and opened.url == _accept_page()  # the token leaves the address bar
    form = client.get(_accept_page())
    assert form.status_code == 200 and 'autocomplete="new-password"' in form.content.decode()

    response = client.post(_accept_page(), {"name": "Ana Ruiz", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD})

    assert response.status_code == 302 and response.url == reverse("home")
    ana = User.objects.get(email="ana@example.org")
    assert ana.name == "Ana Ruiz" and ana.check_password(NEW_PASSWORD)
    assert Membership.objects.filter(organization=org, user=ana, role=Role.LEAD).exists()
    assert client.session[SESSION_KEY] == str(ana.pk)
    assert client.session[SESSION_ORGANIZATION_KEY] == org.pk
    assert AuditEvent.objects.filter(kind=AuditKind.MEMBER_JOINED, actor=ana).count() == 1
    assert AuditEvent.objects.get(kind=AuditKind.MEMBER_JOINED).summary == "ana@example.org · Lead"
    # The name was typed to join this organization: its people page knows her by it.
    assert PersonName.objects.get(organization=org, user=ana).name == "Ana Ruiz"
    assert "Ana Ruiz" in people_page_of(client, org)

    again = client.get(link)  # single use
    assert again.status_code == 410 and "accepted already" in again.content.decode()


def test_differing_or_weak_passwords_change_nothing(client, invited):
    client.get(invited())

    differ = client.post(_accept_page(), {"name": "Ana", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD + "x"})
    weak = client.post(_accept_page(), {"name": "Ana", "password1": "12345678", "password2": "12345678"})

    assert "The two passwords differ." in differ.content.decode()
    assert "too common" in weak.content.decode() or "entirely numeric" in weak.content.decode()
    assert not User.objects.filter(email="ana@example.org").exists()
    assert AccountInvitation.objects.get().accepted_at is None


def test_an_account_without_a_password_sets_one(client, org, stakeholder, invited):
    stakeholder.set_unusable_password()
    stakeholder.save()
    client.get(invited(email=stakeholder.email.upper()))

    client.post(_accept_page(), {"name": "Sam", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD})

    stakeholder.refresh_from_db()
    assert stakeholder.check_password(NEW_PASSWORD)
    assert set(Membership.objects.filter(organization=org, user=stakeholder).values_list("role", flat=True)) == {
        Role.STAKEHOLDER,
        Role.LEAD,
    }


def test_an_account_with_a_password_signs_in_then_accepts(client, org, other_org, facilitator, invited):
    # An account without a password when invited, which set one (a password reset) before opening the link.
    ana = UserFactory(email="ana@example.org")
    ana.set_unusable_password()
    ana.save()
    link = invited()
    ana.set_password(PASSWORD)
    ana.save()
    MembershipFactory(organization=other_org, user=ana, role=Role.FACILITATOR)

    client.get(link)
    sign_in = client.get(_accept_page())
    assert "has an account already: sign in with it to accept" in sign_in.content.decode()
    assert f"next={_accept_page()}" in sign_in.content.decode()
    assert "new-password" not in sign_in.content.decode()  # a link alone never sets a password

    signed_in = client.post(f"{reverse('login')}?next={_accept_page()}", {"username": ana.email, "password": PASSWORD})
    assert signed_in.url == _accept_page()
    confirm = client.get(_accept_page())
    assert confirm.status_code == 200 and "Accept the invitation" in confirm.content.decode()
    assert not Membership.objects.filter(organization=org, user=ana).exists()  # not before the POST

    accepted = client.post(_accept_page())

    assert accepted.url == reverse("home")
    # Another organization's invitation than the one they worked in: it grants that one, and they work there.
    assert Membership.objects.filter(organization=org, user=ana, role=Role.LEAD).exists()
    assert client.session[SESSION_ORGANIZATION_KEY] == org.pk


def test_someone_signed_in_under_another_address_cannot_accept(client, org, lead, invited):
    client.force_login(lead)
    client.get(invited())

    response = client.get(_accept_page())
    posted = client.post(_accept_page(), {"name": "X", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD})

    assert response.status_code == posted.status_code == 403
    assert "sent to another address" in response.content.decode()
    assert "ana@example.org" not in response.content.decode()
    assert not User.objects.filter(email="ana@example.org").exists()
    assert AccountInvitation.objects.get().accepted_at is None


@pytest.mark.parametrize(
    ("state", "status", "says"),
    [
        ("expired", 410, "has expired"),
        ("revoked", 410, "was revoked"),
        ("resent", 404, "only the link in the latest e-mail works"),
        ("unknown", 404, "The link is not known"),
    ],
)
def test_a_link_that_cannot_be_used_says_why(client, org, facilitator, invited, state, status, says):
    link = invited()
    invitation = AccountInvitation.objects.get()
    if state == "expired":
        AccountInvitation.objects.update(expires_at=timezone.now() - timedelta(minutes=1))
    elif state == "revoked":
        services.account_invitation_revoke(invitation=invitation, by=facilitator)
    elif state == "resent":
        services.account_invitation_resend(invitation=invitation, by=facilitator)
    else:
        link = reverse("convening:account_invitation", args=["no-such-token"])

    response = client.get(link)

    assert response.status_code == status
    page = response.content.decode()
    assert says in page and "ask the facilitator who invited you to send a new invitation" in page
    assert not Membership.objects.filter(user__email="ana@example.org").exists()


def test_a_link_that_expires_after_opening_is_refused_on_the_form(client, invited):
    client.get(invited())
    AccountInvitation.objects.update(expires_at=timezone.now() - timedelta(minutes=1))

    response = client.post(_accept_page(), {"name": "Ana", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD})

    assert response.status_code == 410
    assert not User.objects.filter(email="ana@example.org").exists()


def test_the_accept_page_without_a_link_opened(client):
    response = client.get(_accept_page())
    assert response.status_code == 404


def test_the_invitation_mail_names_the_organization_and_role(org, invited):
    invited(role=Role.FACILITATOR)
    (message,) = mail.outbox
    assert "Demo State Agency" in message.subject
    assert "as Facilitator" in message.body
    assert message.extra_headers["Message-ID"].startswith("<convening.account-invitation.")


def test_the_link_is_masked_in_logs(invited):
    link = invited()
    token = link.split("/")[3]
    assert mask_secrets(f"GET {link} HTTP/1.1") == f"GET /accounts/invitation/{MASK}/ HTTP/1.1"
    assert token not in mask_secrets(f"Gone: {link}")
    assert mask_secrets("GET /accounts/invitation/ HTTP/1.1") == "GET /accounts/invitation/ HTTP/1.1"


def people_page_of(client, org):
    facilitator = Membership.objects.filter(organization=org, role=Role.FACILITATOR).first().user
    client.force_login(facilitator)
    return client.get(reverse("convening:people")).content.decode()


def test_the_invitation_mail_gives_the_deadline_with_its_time_zone_and_one_full_stop(org, invited):
    org.time_zone = "America/Denver"
    org.save()
    invited()
    body = mail.outbox[-1].body
    sentence = next(line for line in body.splitlines() if line.startswith("The link works once"))
    assert re.search(r"until .+ (MST|MDT)\. If it has expired", sentence), sentence
    assert ".." not in body
