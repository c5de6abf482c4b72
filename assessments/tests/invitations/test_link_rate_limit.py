"""The personal link's rate limit counts failed look-ups only, per client
address as the trusted proxy reports it: a meeting on one venue's Wi-Fi
opens its valid links however many people there are, while someone guessing
tokens is refused after LINK_RATE failures."""

import pytest
from django.test import Client
from django.urls import reverse

from assessments.invitations.selectors import invitation_link_path
from assessments.invitations.views import LINK_RATE
from assessments.tests.factories import invite
from convening.tests.factories import UserFactory

pytestmark = pytest.mark.django_db

LIMIT = int(LINK_RATE.split("/")[0])
VENUE = "203.0.113.50"  # one public address for everyone in the meeting room
PROXY = "10.0.0.2"  # the trusted proxy, as the app sees it


def bad_link(attempt: int) -> str:
    return reverse("assessments:link", args=[f"{attempt:064x}"])


def guess(client: Client, attempts: range, **headers) -> list[int]:
    return [client.get(bad_link(attempt), **headers).status_code for attempt in attempts]


def test_sixty_people_on_one_address_open_their_valid_links_within_a_minute(open_round):
    invitations = invite(open_round, *UserFactory.create_batch(60))

    statuses = [Client().get(invitation_link_path(i), REMOTE_ADDR=VENUE).status_code for i in invitations]

    assert statuses == [302] * 60


def test_guessing_is_refused_after_the_limit_yet_a_valid_link_still_opens(client, open_round):
    (invitation,) = invite(open_round)

    assert guess(client, range(LIMIT), REMOTE_ADDR=VENUE) == [404] * LIMIT
    response = client.get(bad_link(LIMIT), REMOTE_ADDR=VENUE)
    assert response.status_code == 429
    assert "Too many attempts" in response.content.decode()
    assert guess(client, range(LIMIT + 1, LIMIT + 3), REMOTE_ADDR=VENUE) == [429, 429]

    # A person at the same address whose link is real is not taken for the guesser.
    response = client.get(invitation_link_path(invitation), REMOTE_ADDR=VENUE)
    assert response.status_code == 302
    assert client.get(response["Location"], REMOTE_ADDR=VENUE).status_code == 200


def test_valid_links_do_not_count_towards_the_limit(client, open_round):
    invitations = invite(open_round, *UserFactory.create_batch(LIMIT + 1))
    for invitation in invitations:
        assert Client().get(invitation_link_path(invitation), REMOTE_ADDR=VENUE).status_code == 302
    assert guess(client, range(LIMIT), REMOTE_ADDR=VENUE) == [404] * LIMIT


def test_two_clients_behind_one_trusted_proxy_are_counted_apart(client, open_round, settings):
    settings.AXES_IPWARE_PROXY_COUNT = 1
    guesser = {"REMOTE_ADDR": PROXY, "HTTP_X_FORWARDED_FOR": "198.51.100.1"}
    neighbour = {"REMOTE_ADDR": PROXY, "HTTP_X_FORWARDED_FOR": "198.51.100.2"}

    assert guess(client, range(LIMIT + 1), **guesser)[-1] == 429
    # The neighbour mistyped their link: they read why it is dead, not that they are blocked.
    assert Client().get(bad_link(0), **neighbour).status_code == 404


def test_a_forged_entry_on_the_left_of_x_forwarded_for_does_not_change_the_key(client, open_round, settings):
    settings.AXES_IPWARE_PROXY_COUNT = 1
    # The proxy appends the address it saw; anything before it came from the client.
    statuses = [
        client.get(
            bad_link(attempt), REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=f"192.0.2.{attempt}, 198.51.100.7"
        ).status_code
        for attempt in range(LIMIT + 1)
    ]
    assert statuses == [404] * LIMIT + [429]


def test_without_a_trusted_proxy_x_forwarded_for_is_ignored(client, open_round, settings):
    settings.AXES_IPWARE_PROXY_COUNT = 0
    statuses = [
        client.get(bad_link(attempt), REMOTE_ADDR=VENUE, HTTP_X_FORWARDED_FOR=f"192.0.2.{attempt}").status_code
        for attempt in range(LIMIT + 1)
    ]
    assert statuses == [404] * LIMIT + [429]
