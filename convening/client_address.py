"""The address of the person behind a request, as the trusted proxies in front
of the app report it: what lock-outs and rate limits count by.

TRUSTED_PROXY_COUNT (`AXES_IPWARE_PROXY_COUNT`) says how many proxies stand
between the Internet and the app. Each appends the address it received the
request from to X-Forwarded-For, so with N proxies the client is the N-th
entry from the right; entries further left were written by the client and
prove nothing. With none, REMOTE_ADDR, which cannot be forged."""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.http import HttpRequest

# One subscriber usually holds a whole /64: counting its addresses apart
# would give a guesser 2**64 fresh starts (django-ratelimit's "ip" key does the same).
IPV6_PREFIX = 64


def client_address(request: HttpRequest) -> str:
    """The client's address. A header shorter than the chain of proxies, or an
    entry that is no address, means the request did not come the trusted way:
    then REMOTE_ADDR, the peer that certainly sent it."""
    remote = request.META.get("REMOTE_ADDR", "")
    proxies = settings.AXES_IPWARE_PROXY_COUNT
    if proxies <= 0:
        return remote
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
    if len(forwarded) < proxies:
        return remote
    try:
        return str(ipaddress.ip_address(forwarded[-proxies].strip()))
    except ValueError:
        return remote


def client_rate_key(group: str, request: HttpRequest) -> str:
    """django-ratelimit's key (its `key=` callable): the client address, an
    IPv6 one by its network."""
    address = client_address(request)
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return address
    if parsed.version == 6:
        return str(ipaddress.ip_network(f"{parsed}/{IPV6_PREFIX}", strict=False).network_address)
    return str(parsed)
