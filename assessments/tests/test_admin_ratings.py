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


def test_the_rating_list_cannot_be_filtered_down_to_one_respondent(admin_client):
    """Django lets a list be filtered by any step of a filter's path, so
    `?response=<id>` (a step towards the organization filter) would list one
    response's levels, and the response list beside names its respondent."""
    round_, invitation = _rated_round()
    response_id = Rating.objects.get(response__invitation=invitation).response_id
    url = reverse("admin:assessments_rating_changelist")

    for query in (
        {"response": response_id},
        {"response__id__exact": response_id},
        {"response__invitation": invitation.pk},
        {"response__invitation__user__email": invitation.user.email},
    ):
        page = admin_client.get(url, query)
        assert page.status_code in (302, 400), query
        assert "field-level" not in page.content.decode(), query

    offered = admin_client.get(
        url, {"response__round__organization__id__exact": round_.organization_id, "not_sure__exact": 0}
    )
    assert offered.status_code == 200
    assert "field-level" in offered.content.decode()
