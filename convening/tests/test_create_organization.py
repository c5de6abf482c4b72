"""Starting an organization: `manage.py create_organization` and the admin's form, one service."""

from io import StringIO

import pytest
from django.core import mail
from django.core.management import CommandError, call_command
from django.urls import reverse

from convening.models import (
    DEFAULT_STAKEHOLDER_GROUPS,
    AccountInvitation,
    AuditEvent,
    AuditKind,
    Membership,
    Organization,
    Role,
)
from convening.tests.factories import OrganizationFactory, UserFactory

pytestmark = pytest.mark.django_db


def _create(*args, capture=None):
    out = StringIO()
    if capture is None:
        call_command("create_organization", *args, stdout=out)
    else:
        with capture(execute=True):
            call_command("create_organization", *args, stdout=out)
    return out.getvalue()


def test_it_creates_the_organization_and_mails_the_first_facilitator_a_link(django_capture_on_commit_callbacks):
    out = _create(
        "Kansas Agency",
        "--time-zone",
        "America/Chicago",
        "--facilitator",
        "Lee@Example.org",
        "--sso-domain",
        "@KS.example.gov",
        capture=django_capture_on_commit_callbacks,
    )

    organization = Organization.objects.get(name="Kansas Agency")
    assert (organization.time_zone, organization.sign_in_domain) == ("America/Chicago", "ks.example.gov")
    assert list(organization.stakeholder_groups.values_list("name", flat=True)) == DEFAULT_STAKEHOLDER_GROUPS
    invitation = AccountInvitation.objects.get(organization=organization)
    assert (invitation.email, invitation.role) == ("lee@example.org", Role.FACILITATOR)
    (message,) = mail.outbox
    assert message.to == ["lee@example.org"] and "http://127.0.0.1:8000/accounts/invitation/" in message.body
    assert "Created the organization “Kansas Agency”" in out
    assert "Invited lee@example.org as its first facilitator" in out
    assert "ks.example.gov" in out
    assert list(AuditEvent.objects.values_list("kind", flat=True)) == [AuditKind.MEMBER_INVITED]


def test_the_link_makes_them_its_facilitator(client, django_capture_on_commit_callbacks):
    _create(
        "Kansas Agency",
        "--time-zone",
        "UTC",
        "--facilitator",
        "lee@example.org",
        capture=django_capture_on_commit_callbacks,
    )
    link = mail.outbox[0].body.split("http://127.0.0.1:8000")[1].split()[0]

    client.get(link)
    password = "a-long-enough-passphrase"
    client.post(
        reverse("convening:account_invitation_accept"), {"name": "Lee", "password1": password, "password2": password}
    )

    assert Membership.objects.filter(
        organization__name="Kansas Agency", user__email="lee@example.org", role=Role.FACILITATOR
    ).exists()
    assert client.get(reverse("convening:people")).status_code == 200


def test_an_account_with_a_password_is_made_facilitator_at_once(django_capture_on_commit_callbacks):
    lee = UserFactory(email="lee@example.org")

    out = _create(
        "Kansas Agency",
        "--time-zone",
        "UTC",
        "--facilitator",
        "LEE@example.org",
        capture=django_capture_on_commit_callbacks,
    )

    assert Membership.objects.filter(organization__name="Kansas Agency", user=lee, role=Role.FACILITATOR).exists()
    assert not AccountInvitation.objects.exists()
    (message,) = mail.outbox
    assert "/accounts/login/" in message.body and "/accounts/invitation/" not in message.body
    assert "they are its facilitator now" in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--time-zone", "Mars/Olympus", "--facilitator", "lee@example.org"],
            "“Mars/Olympus” is not a known time zone.",
        ),
        (["--time-zone", "UTC", "--facilitator", "not-an-address"], "is not a valid e-mail address"),
        (
            ["--time-zone", "UTC", "--facilitator", "lee@example.org", "--sso-domain", "not a domain"],
            "not an e-mail domain",
        ),
    ],
)
def test_bad_arguments_create_nothing(args, message):
    with pytest.raises(CommandError, match=message):
        _create("Kansas Agency", *args)
    assert not Organization.objects.exists()
    assert not AccountInvitation.objects.exists()
    assert mail.outbox == []


def test_a_duplicate_name_is_refused(django_capture_on_commit_callbacks):
    OrganizationFactory(name="Kansas Agency")
    with pytest.raises(CommandError, match="An organization called “kansas agency” exists already."):
        _create(
            "kansas agency",
            "--time-zone",
            "UTC",
            "--facilitator",
            "lee@example.org",
            capture=django_capture_on_commit_callbacks,
        )
    assert Organization.objects.count() == 1
    assert not AccountInvitation.objects.exists() and mail.outbox == []


def test_a_taken_sign_in_domain_is_refused():
    OrganizationFactory(name="Other", sign_in_domain="ks.example.gov")
    with pytest.raises(CommandError, match="signs in people of “ks.example.gov” already"):
        _create(
            "Kansas Agency", "--time-zone", "UTC", "--facilitator", "lee@example.org", "--sso-domain", "KS.example.gov"
        )
    assert not Organization.objects.filter(name="Kansas Agency").exists()


# The admin


def test_the_admin_starts_an_organization_with_the_same_service(
    admin_client, admin_user, django_capture_on_commit_callbacks
):
    assert (
        reverse("admin:convening_organization_start")
        in admin_client.get(reverse("admin:convening_organization_changelist")).content.decode()
    )
    form = admin_client.get(reverse("admin:convening_organization_start"))
    assert form.status_code == 200

    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            reverse("admin:convening_organization_start"),
            {"name": "Kansas Agency", "time_zone": "America/Chicago", "facilitator_email": "lee@example.org"},
        )

    organization = Organization.objects.get(name="Kansas Agency")
    assert response.status_code == 302
    assert response.url == reverse("admin:convening_organization_change", args=[organization.pk])
    assert organization.stakeholder_groups.count() == len(DEFAULT_STAKEHOLDER_GROUPS)
    assert AccountInvitation.objects.get().invited_by == admin_user
    assert mail.outbox[0].to == ["lee@example.org"]


def test_the_admin_form_shows_a_refusal(admin_client):
    response = admin_client.post(
        reverse("admin:convening_organization_start"),
        {"name": "Kansas Agency", "time_zone": "Nowhere/Else", "facilitator_email": "lee@example.org"},
    )
    assert response.status_code == 200
    assert "is not a known time zone" in response.content.decode()
    assert not Organization.objects.exists()


def test_the_admin_start_form_is_for_staff_only(client, facilitator):
    client.force_login(facilitator)
    response = client.get(reverse("admin:convening_organization_start"))
    assert response.status_code == 302 and reverse("admin:login") in response.url


def test_account_invitations_are_read_only_in_the_admin(admin_client, org, facilitator):
    from convening.people import services

    invitation = services.account_invite(
        organization=org, email="ana@example.org", role=Role.LEAD, by=facilitator
    ).invitation
    assert admin_client.get(reverse("admin:convening_accountinvitation_changelist")).status_code == 200
    page = admin_client.get(reverse("admin:convening_accountinvitation_change", args=[invitation.pk]))
    assert page.status_code == 200 and "token_hash" not in page.content.decode()
    assert admin_client.get(reverse("admin:convening_accountinvitation_add")).status_code == 403

    before = invitation.token_hash
    admin_client.post(
        reverse("admin:convening_accountinvitation_changelist"),
        {"action": "resend", "_selected_action": [invitation.pk]},
    )
    invitation.refresh_from_db()
    assert invitation.token_hash != before


def test_its_events_name_the_site_administrator_s_command_not_the_schedule(django_capture_on_commit_callbacks):
    _create("Audit Agency", "--time-zone", "UTC", "--facilitator", "first@example.org")
    event = AuditEvent.objects.get(kind=AuditKind.MEMBER_INVITED)
    assert event.actor is None
    assert event.actor_email == "site administrator (manage.py create_organization)"
    assert event.summary == "first@example.org · Facilitator"
