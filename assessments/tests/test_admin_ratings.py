"""No page shows a named person's ratings (SPEC §3), the admin included: its
rating list and a rating's page name the respondent by number only (issue 13)."""

import pytest
from django.urls import reverse

from assessments.models import Rating
from assessments.tests.test_admin import _rated_round

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    from convening.tests.factories import UserFactory

    client.force_login(UserFactory(is_staff=True, is_superuser=True, email="root@example.org"))
    return client


def test_the_rating_list_and_page_show_no_person(admin_client):
    _round, invitation = _rated_round()
    person = invitation.user
    rating = Rating.objects.get(response__invitation=invitation)

    pages = [
        admin_client.get(reverse("admin:assessments_rating_changelist")),
        admin_client.get(reverse("admin:assessments_rating_change", args=[rating.pk])),
    ]

    for page in pages:
        assert page.status_code == 200
        text = page.content.decode()
        assert person.email not in text
        assert (person.name or person.email) not in text
        assert invitation.round.name in text
        assert f"/admin/assessments/response/{rating.response_id}/" not in text
