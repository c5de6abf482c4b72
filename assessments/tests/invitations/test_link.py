"""The personal link: it trades a token for a session grant on that one
invitation, then leaves the token behind; a dead link explains itself and
grants nothing; guessing is rate-limited."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.contrib.sessions.backends.db import SessionStore
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from assessments.access import SESSION_PARTICIPATIONS_KEY
from assessments.invitations.selectors import invitation_link_path
from assessments.invitations.services import invitation_revoke
from assessments.invitations.views import LINK_RATE
from assessments.models import Round, RoundStatus
from assessments.rounds.services import round_close, round_open
from assessments.tests.factories import RoundFactory, invite
from convening.tests.factories import TeamFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_rate_limit():
    """The rate limit counts per IP address in the cache, which outlives a
    test; without this, one test's requests would count against the next."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def open_round(org):
    round_ = RoundFactory(team=TeamFactory(organization=org))
    round_open(round=round_)
    return round_


def session_key(client) -> str | None:
    cookie = client.cookies.get(settings.SESSION_COOKIE_NAME)
    return cookie.value if cookie else None


def grants(client) -> dict[int, int]:
    """Round id → the invitation the session rates it through."""
    return {int(round_id): grant[0] for round_id, grant in client.session.get(SESSION_PARTICIPATIONS_KEY, {}).items()}


def test_a_valid_link_grants_its_invitation_and_redirects_to_a_url_without_the_token(client, open_round):
    (invitation,) = invite(open_round)
    session = client.session  # a session from before the link, e.g. a shared computer's
    session["before"] = True
    session.save()
    old_key = session_key(client)
    link = invitation_link_path(invitation)

    response = client.get(link)

    assert response.status_code == 302
    assert response["Location"] == f"/rounds/{open_round.pk}/rate/"
    token = link.rstrip("/").rsplit("/", 1)[-1]
    assert token not in response["Location"]
    # A new session id, so a session id fixed by someone else gains nothing.
    assert session_key(client) != old_key
    assert not SessionStore().exists(old_key)
    assert grants(client) == {open_round.pk: invitation.pk}
    assert client.get(response["Location"]).status_code == 200


def test_links_to_two_rounds_in_one_browser_grant_both(client, open_round, org):
    (first,) = invite(open_round)
    other_round = RoundFactory(team=TeamFactory(organization=org))
    round_open(round=other_round)
    (second,) = invite(other_round)
    client.get(invitation_link_path(first))
    client.get(invitation_link_path(second))
    assert grants(client) == {open_round.pk: first.pk, other_round.pk: second.pk}


def test_a_second_link_to_the_same_round_replaces_the_first(client, open_round):
    """Finding 1: one person per session and round (a shared family computer)."""
    ana, ben = invite(open_round), invite(open_round)
    client.get(invitation_link_path(ana[0]))
    client.get(invitation_link_path(ben[0]))
    assert grants(client) == {open_round.pk: ben[0].pk}


def _revoked(invitation):
    invitation_revoke(invitation=invitation)


def _closed(invitation):
    round_close(round=invitation.round)


def _draft(invitation):
    # A round moved back to draft cannot happen through the services; the
    # state is set directly to see the link's answer for it.
    Round.objects.filter(pk=invitation.round_id).update(status=RoundStatus.DRAFT)


@pytest.mark.parametrize(
    ("kill", "message"),
    [
        (None, "This link is not valid. Check that you copied the whole link from your e-mail."),
        (_revoked, "This invitation was withdrawn."),
        (_closed, "This round has closed."),
        (_draft, "This round has not opened yet."),
    ],
    ids=["unknown", "revoked", "closed", "draft"],
)
def test_a_dead_link_says_why_and_grants_nothing(client, open_round, kill, message):
    (invitation,) = invite(open_round)
    if kill is None:
        link = reverse("assessments:link", args=["0" * 64])
    else:
        link = invitation_link_path(invitation)
        kill(invitation)

    response = client.get(link)

    assert response.status_code == 404
    assert message in response.content.decode()
    assert grants(client) == {}
    assert client.get(reverse("assessments:rate", args=[open_round.pk])).status_code == 404


def test_a_link_to_a_round_not_yet_open_works_once_it_opens(client, org):
    draft = RoundFactory(team=TeamFactory(organization=org), opens_at=timezone.now() + timedelta(days=1))
    (invitation,) = invite(draft)
    link = invitation_link_path(invitation)
    assert client.get(link).status_code == 404
    round_open(round=draft)
    assert client.get(link).status_code == 302


def test_guessing_links_is_rate_limited(client, open_round):
    (invitation,) = invite(open_round)
    limit = int(LINK_RATE.split("/")[0])
    for attempt in range(limit):
        response = client.get(reverse("assessments:link", args=[f"{attempt:064x}"]))
        assert response.status_code == 404
    response = client.get(reverse("assessments:link", args=[f"{limit:064x}"]))
    # Only failures count: a good link still opens (test_link_rate_limit.py).
    assert response.status_code == 429
    assert "Too many attempts" in response.content.decode()
    assert grants(client) == {}


def test_the_rate_limit_counts_per_address(client, open_round):
    (invitation,) = invite(open_round)
    limit = int(LINK_RATE.split("/")[0])
    for attempt in range(limit + 1):
        client.get(reverse("assessments:link", args=[f"{attempt:064x}"]), REMOTE_ADDR="203.0.113.9")
    assert client.get(invitation_link_path(invitation), REMOTE_ADDR="203.0.113.10").status_code == 302


def test_a_link_for_one_round_opens_no_other(client, open_round, org):
    (invitation,) = invite(open_round)
    round_b = RoundFactory(team=TeamFactory(organization=org))
    round_open(round=round_b)
    invite(round_b)
    client.get(invitation_link_path(invitation))
    assert client.get(reverse("assessments:rate", args=[open_round.pk])).status_code == 200
    assert client.get(reverse("assessments:rate", args=[round_b.pk])).status_code == 404
    assert client.post(reverse("assessments:submit", args=[round_b.pk])).status_code == 404


def test_the_link_only_answers_get(client, open_round):
    (invitation,) = invite(open_round)
    assert client.post(invitation_link_path(invitation)).status_code == 405
    assert grants(client) == {}
