"""A people list the csv module or the database cannot take is refused with
a message, and nothing is added (issue 13)."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from convening.models import TeamMember, User
from convening.tests.factories import TeamFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def as_facilitator(client, facilitator):
    client.force_login(facilitator)
    return client


def _import(client, team, **data):
    return client.post(reverse("convening:team_members_import", args=[team.pk]), data)


def test_a_pasted_field_over_the_csv_limit_is_refused_with_a_message(as_facilitator, org):
    team = TeamFactory(organization=org)
    before = (User.objects.count(), TeamMember.objects.count())

    response = _import(as_facilitator, team, text="Ana," + "x" * 131_073 + ",Family")

    assert response.status_code == 200
    assert "Line 1 is too long to read" in response.content.decode()
    assert (User.objects.count(), TeamMember.objects.count()) == before


def test_a_nul_in_an_uploaded_name_is_refused_at_the_preview(as_facilitator, org):
    team = TeamFactory(organization=org)
    before = (User.objects.count(), TeamMember.objects.count())
    upload = SimpleUploadedFile("people.csv", b"An\x00a,ana@example.org,Family\n", content_type="text/csv")

    response = _import(as_facilitator, team, file=upload)

    assert response.status_code == 200
    assert "payload" not in response.content.decode()  # no Confirm offered
    assert "The name contains a character that cannot be stored" in response.content.decode()
    assert (User.objects.count(), TeamMember.objects.count()) == before
