"""Pages with a person's results or answers are kept by no browser cache or
proxy: a shared computer's Back button or history must not show them to the
next person (issue 13). The exports already said so; these pages did not."""

import pytest
from django.urls import reverse

from assessments.invitations.selectors import invitation_link_path
from assessments.rounds.services import round_open
from assessments.tests.factories import RoundFactory, invite
from assessments.tests.results.test_results import add_respondents, spread
from assessments.tests.results_helpers import cae_round, url
from convening.tests.factories import TeamFactory

pytestmark = pytest.mark.django_db


def _kept_by_no_cache(response) -> bool:
    return "no-store" in response.get("Cache-Control", "")


@pytest.fixture
def closed(org):
    round_ = cae_round(org)
    add_respondents(round_, "Family", spread([1, 3, 3, 1]))
    return round_


@pytest.mark.parametrize("view", ["results", "results_json"])
def test_results_pages_are_not_stored(client, facilitator, closed, view):
    client.force_login(facilitator)
    response = client.get(url(view, closed))
    assert response.status_code == 200
    assert _kept_by_no_cache(response)


@pytest.mark.parametrize("signed_in", [True, False], ids=["signed-in", "personal-link"])
def test_the_rating_page_is_not_stored(client, org, signed_in):
    round_ = RoundFactory(team=TeamFactory(organization=org))
    round_open(round=round_)
    (invitation,) = invite(round_)
    if signed_in:
        client.force_login(invitation.user)
    else:
        assert client.get(invitation_link_path(invitation)).status_code == 302
    response = client.get(reverse("assessments:rate", args=[round_.pk]))
    assert response.status_code == 200
    assert _kept_by_no_cache(response)
