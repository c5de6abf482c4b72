"""Login lock-outs count the client the trusted proxies report
(convening.client_address), not the proxy: behind it every client has the
proxy's address, so one person's failures would lock a victim's address for
everyone, and a guesser would share a counter with the whole site."""

import pytest
from axes.models import AccessAttempt
from django.conf import settings as django_settings
from django.urls import reverse

from convening.tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

PROXY = "10.0.0.2"
ATTACKER = "198.51.100.66"
VICTIM = "198.51.100.7"


def _login(client, address, password, *, forged=""):
    forwarded = f"{forged}, {address}" if forged else address
    return client.post(
        reverse("login"),
        {"username": "ana@example.org", "password": password},
        REMOTE_ADDR=PROXY,
        HTTP_X_FORWARDED_FOR=forwarded,
    )


def test_a_guesser_behind_the_proxy_locks_only_themselves(client, settings):
    settings.AXES_IPWARE_PROXY_COUNT = 1
    UserFactory(email="ana@example.org")
    for attempt in range(django_settings.AXES_FAILURE_LIMIT):
        _login(client, ATTACKER, "wrong", forged=f"192.0.2.{attempt}")  # a forged left part changes nothing
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {ATTACKER}
    assert _login(client, ATTACKER, PASSWORD).status_code == 429
    assert _login(client, VICTIM, PASSWORD).status_code == 302
