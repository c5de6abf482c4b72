"""The organization's sign-in security settings, and who may open each two-factor page."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from convening.models import AuditEvent, AuditKind
from convening.tests.factories import TeamFactory
from convening.tests.two_factor_support import verified, with_device
from convening.two_factor.services import organization_sign_in_security_update

pytestmark = pytest.mark.django_db

ANON, OUTSIDER, STAKEHOLDER, LEAD, FACILITATOR = "anonymous", "outsider", "stakeholder", "lead", "facilitator"
PERSONAS = [ANON, OUTSIDER, STAKEHOLDER, LEAD, FACILITATOR]

# view name, method, then the expected status for each of PERSONAS. The personal pages are each person's own
# (no organization's object to 404); without an app, those about one go back to the two-factor page (302).
# The settings page is the current organization's: an outsider sees their own.
MATRIX = [
    ("two_factor:manage", "get", 302, 200, 403, 200, 200),
    ("two_factor:setup_start", "post", 302, 302, 403, 302, 302),
    ("two_factor:setup", "get", 302, 302, 403, 302, 302),
    ("two_factor:recovery_codes", "post", 302, 302, 403, 302, 302),
    ("two_factor:disable", "get", 302, 302, 403, 302, 302),
    ("two_factor:verify", "get", 302, 302, 302, 302, 302),
    ("two_factor:sign_in_security", "get", 302, 200, 403, 403, 200),
    ("two_factor:sign_in_security", "post", 302, 302, 403, 403, 302),
]
CASES = [
    pytest.param(view, method, persona, expected, id=f"{view.split(':')[-1]}-{method}-{persona}")
    for view, method, *statuses in MATRIX
    for persona, expected in zip(PERSONAS, statuses, strict=True)
]


@pytest.mark.parametrize(("view", "method", "persona", "expected"), CASES)
def test_permission_matrix(client, request, org, view, method, persona, expected):
    if persona != ANON:
        client.force_login(request.getfixturevalue(persona))

    response = getattr(client, method)(reverse(view), {"audit_retention_days": 365})

    assert response.status_code == expected
    if persona == ANON:
        assert response.url.startswith(reverse("login"))
    if persona == OUTSIDER and expected == 200:
        assert "Demo State Agency" not in response.content.decode()


def test_the_outsiders_settings_change_their_own_organization(client, org, other_org, outsider):
    client.force_login(outsider)
    client.post(reverse("two_factor:sign_in_security"), {"audit_retention_days": 365})
    other_org.refresh_from_db()
    org.refresh_from_db()
    assert (other_org.audit_retention_days, org.audit_retention_days) == (365, 730)


def test_a_lead_uses_their_own_two_factor_page(client, lead):
    device, _codes = with_device(lead)
    verified(client, lead, device)
    page = client.get(reverse("two_factor:manage")).content.decode()
    assert "You have 10 unused recovery codes." in page


def test_requiring_it_with_an_app_of_ones_own_is_saved_and_audited(client, org, facilitator):
    device, _codes = with_device(facilitator)
    verified(client, facilitator, device)

    response = client.post(
        reverse("two_factor:sign_in_security"), {"require_two_factor": "on", "audit_retention_days": 365}, follow=True
    )

    assert "The sign-in security settings were saved." in response.content.decode()
    org.refresh_from_db()
    assert org.require_two_factor
    assert org.audit_retention_days == 365
    (event,) = AuditEvent.objects.filter(organization=org)
    assert event.kind == AuditKind.SETTINGS_CHANGED
    assert event.actor == facilitator
    assert (event.subject_type, event.subject_id) == ("organization", org.pk)
    assert event.summary == (
        "Sign-in security: two-factor sign-in now required of facilitators and leads; audit trail kept 730 → 365 days"
    )


def test_requiring_it_without_an_app_of_ones_own_is_refused_and_changes_nothing(client, org, facilitator):
    client.force_login(facilitator)

    response = client.post(
        reverse("two_factor:sign_in_security"), {"require_two_factor": "on", "audit_retention_days": 365}
    )

    assert response.status_code == 400
    assert "Turn on two-factor sign-in for yourself first" in response.content.decode()
    org.refresh_from_db()
    assert (org.require_two_factor, org.audit_retention_days) == (False, 730)
    assert not AuditEvent.objects.exists()


@pytest.mark.parametrize("days", [29, 3651, ""])
def test_a_retention_out_of_bounds_is_refused_and_changes_nothing(client, org, facilitator, days):
    client.force_login(facilitator)
    response = client.post(reverse("two_factor:sign_in_security"), {"audit_retention_days": days})
    assert response.status_code == 400
    org.refresh_from_db()
    assert org.audit_retention_days == 730
    assert not AuditEvent.objects.exists()


def test_the_service_refuses_a_retention_out_of_bounds_too(org, facilitator):
    with pytest.raises(ValidationError, match="between 30 and 3650 days"):
        organization_sign_in_security_update(
            organization=org, by=facilitator, require_two_factor=False, audit_retention_days=10
        )
    org.refresh_from_db()
    assert org.audit_retention_days == 730


def test_saving_what_is_already_set_writes_no_event(client, org, facilitator):
    client.force_login(facilitator)
    response = client.post(reverse("two_factor:sign_in_security"), {"audit_retention_days": 730})
    assert response.status_code == 302
    assert not AuditEvent.objects.exists()


def test_no_longer_requiring_it_is_audited(client, org, facilitator):
    device, _codes = with_device(facilitator)
    org.require_two_factor = True
    org.save()
    verified(client, facilitator, device)
    client.post(reverse("two_factor:sign_in_security"), {"audit_retention_days": 730})
    org.refresh_from_db()
    assert not org.require_two_factor
    assert AuditEvent.objects.get().summary == "Sign-in security: two-factor sign-in no longer required"


@pytest.mark.parametrize("teams", [2, 20])
def test_the_settings_page_takes_a_fixed_number_of_queries(client, org, facilitator, teams, django_assert_num_queries):
    TeamFactory.create_batch(teams, organization=org)
    client.force_login(facilitator)
    # session, the user with what two-factor sign-in needs, SAVEPOINT, the person's organizations (the
    # current one among them), roles there, RELEASE.
    with django_assert_num_queries(6):
        response = client.get(reverse("two_factor:sign_in_security"))
    assert response.status_code == 200


def test_a_verified_session_costs_one_query_more_its_device(client, org, facilitator, django_assert_num_queries):
    device, _codes = with_device(facilitator)
    verified(client, facilitator, device)
    with django_assert_num_queries(7):
        assert client.get(reverse("two_factor:sign_in_security")).status_code == 200
