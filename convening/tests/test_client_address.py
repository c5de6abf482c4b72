"""The client address behind the trusted proxies, and the rate limits' key made from it."""

import pytest
from django.http import HttpRequest
from django.test import RequestFactory

from convening.client_address import client_address, client_rate_key


def request(remote: str = "10.0.0.2", forwarded: str | None = None) -> HttpRequest:
    made = RequestFactory().get("/", REMOTE_ADDR=remote)
    if forwarded is not None:
        made.META["HTTP_X_FORWARDED_FOR"] = forwarded
    return made


@pytest.mark.parametrize(
    ("proxies", "forwarded", "expected"),
    [
        (0, "198.51.100.7", "10.0.0.2"),  # no proxy is trusted: the header is anyone's to write
        (1, "198.51.100.7", "198.51.100.7"),
        (1, "192.0.2.1, 198.51.100.7", "198.51.100.7"),  # the left entry came from the client
        (2, "192.0.2.1, 198.51.100.7, 10.0.0.1", "198.51.100.7"),
        (1, " 2001:db8::1 ", "2001:db8::1"),
        (2, "198.51.100.7", "10.0.0.2"),  # shorter than the chain: it did not come through the proxies
        (1, None, "10.0.0.2"),
        (1, "", "10.0.0.2"),
        (1, "unknown", "10.0.0.2"),
    ],
    ids=["no-proxy", "one", "forged-left", "two", "ipv6", "short", "absent", "empty", "garbage"],
)
def test_the_client_is_the_nth_entry_from_the_right(settings, proxies, forwarded, expected):
    settings.AXES_IPWARE_PROXY_COUNT = proxies
    assert client_address(request(forwarded=forwarded)) == expected


def test_an_ipv6_client_is_counted_by_its_network(settings):
    settings.AXES_IPWARE_PROXY_COUNT = 0
    first = client_rate_key("g", request(remote="2001:db8:1:2::1"))
    assert first == "2001:db8:1:2::"
    assert client_rate_key("g", request(remote="2001:db8:1:2:ffff::9")) == first
    assert client_rate_key("g", request(remote="2001:db8:1:3::1")) != first
    assert client_rate_key("g", request(remote="198.51.100.7")) == "198.51.100.7"
