"""A participant who never signed in has no profile to choose a language
on: the language they open their personal link in becomes their account's,
so that their reminders come in it (issue 15, item 4)."""

import pytest
from django.urls import reverse
from django.utils import timezone

from assessments.invitations.selectors import invitation_link_path
from assessments.rounds.services import round_open
from assessments.tests.factories import RoundFactory, invite
from convening.tests.factories import TeamFactory, UserFactory

pytestmark = pytest.mark.django_db


SPANISH_BROWSER = {"HTTP_ACCEPT_LANGUAGE": "es-ES,es;q=0.9"}


@pytest.fixture
def open_round(org):
    round_ = RoundFactory(team=TeamFactory(organization=org))
    round_open(round=round_)
    return round_


def test_opening_the_link_in_spanish_makes_the_account_spanish(client, open_round):
    (invitation,) = invite(open_round, UserFactory(language="en"))
    response = client.get(invitation_link_path(invitation), **SPANISH_BROWSER, follow=True)

    assert response.headers["Content-Language"] == "es"
    invitation.user.refresh_from_db()
    assert invitation.user.language == "es"


def test_the_link_leaves_the_language_of_someone_who_signed_in(client, open_round):
    (invitation,) = invite(open_round, UserFactory(language="en", last_login=timezone.now()))
    client.get(invitation_link_path(invitation), **SPANISH_BROWSER)
    invitation.user.refresh_from_db()
    assert invitation.user.language == "en"


def test_a_language_picked_on_the_rating_page_is_kept_at_the_next_opening(client, open_round):
    (invitation,) = invite(open_round, UserFactory(language="es"))
    client.get(invitation_link_path(invitation))
    client.post(reverse("language_set"), {"language": "en", "next": "/"})
    client.get(invitation_link_path(invitation), **SPANISH_BROWSER)  # the choice outweighs the browser
    invitation.user.refresh_from_db()
    assert invitation.user.language == "en"
