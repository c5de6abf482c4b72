"""HTTP-level security: headers on every page, and brute-force protection of
the login form. Mirrors what a ZAP baseline scan would look at."""

import pytest
from django.conf import settings
from django.test import Client
from django.urls import NoReverseMatch, URLResolver, get_resolver, reverse

from convening.tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def _route_names(patterns, namespace=""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from _route_names(pattern.url_patterns, inner)
        elif pattern.name:
            yield namespace + pattern.name


def _parameterless_urls() -> list[str]:
    """Every named page that needs no argument, found from the URLconf so that
    pages added later are covered without anyone remembering to list them."""
    urls = set()
    for name in _route_names(get_resolver().url_patterns):
        try:
            urls.add(reverse(name))
        except NoReverseMatch:
            continue
    return sorted(urls)


def _csp_directives(header: str) -> dict[str, str]:
    directives = {}
    for part in header.split(";"):
        name, _, value = part.strip().partition(" ")
        if name:
            directives[name] = value.strip()
    return directives


def _header_problems(response) -> list[str]:
    problems = []
    policy = response.get("Content-Security-Policy")
    if policy is None:
        return ["no Content-Security-Policy"]
    directives = _csp_directives(policy)
    if "'unsafe-inline'" in policy or "'unsafe-eval'" in policy:
        problems.append(f"CSP allows inline code or eval: {policy}")
    if directives.get("frame-ancestors") != "'none'":
        problems.append(f"CSP frame-ancestors is not 'none': {policy}")
    if directives.get("script-src") != "'self'":
        problems.append(f"CSP script-src is not 'self': {policy}")
    if response.get("X-Frame-Options") != "DENY":
        problems.append(f"X-Frame-Options is {response.get('X-Frame-Options')!r}")
    if response.get("X-Content-Type-Options") != "nosniff":
        problems.append("no X-Content-Type-Options: nosniff")
    return problems


def test_every_html_response_carries_the_strict_headers(facilitator, admin_user):
    visitors = {"anonymous": Client(), "facilitator": Client(), "admin": Client()}
    visitors["facilitator"].force_login(facilitator)
    visitors["admin"].force_login(admin_user)
    urls = [*_parameterless_urls(), "/no-such-page/"]
    checked, problems = set(), []
    for who, client in visitors.items():
        # A page that crashes still answers with an HTML error page, which must be just as protected.
        client.raise_request_exception = False
        for url in urls:
            response = client.get(url)
            if not response.get("Content-Type", "").startswith("text/html"):
                continue
            checked.add(url)
            problems += [f"{who} GET {url} ({response.status_code}): {p}" for p in _header_problems(response)]
        response = client.post(reverse("login"), {"username": "nobody@example.org", "password": "wrong"})
        problems += [f"{who} POST login ({response.status_code}): {p}" for p in _header_problems(response)]
    assert not problems, "\n".join(problems)
    assert {reverse("login"), reverse("home"), "/no-such-page/"} <= checked


def _attempt(email: str, password: str, ip: str):
    """One login from a fresh browser at the given address (a logged-in client would be redirected instead)."""
    client = Client(REMOTE_ADDR=ip)
    response = client.post(reverse("login"), {"username": email, "password": password})
    return response, "_auth_user_id" in client.session


def test_axes_locks_the_username_and_ip_pair_only():
    victim, colleague = UserFactory(), UserFactory()
    # Typed differently each time, as an attacker would to get fresh counters.
    spellings = [victim.email, victim.email.upper(), f" {victim.email.title()} "]
    for attempt in range(settings.AXES_FAILURE_LIMIT):
        _attempt(spellings[attempt % len(spellings)], "wrong-password", "203.0.113.7")

    response, logged_in = _attempt(victim.email, PASSWORD, "203.0.113.7")
    assert response.status_code == 429
    assert not logged_in

    # The owner elsewhere and a colleague behind the same NAT are not punished.
    response, logged_in = _attempt(victim.email, PASSWORD, "198.51.100.23")
    assert response.status_code == 302
    assert logged_in
    response, logged_in = _attempt(colleague.email, PASSWORD, "203.0.113.7")
    assert response.status_code == 302
    assert logged_in


def test_successful_login_resets_the_failure_count():
    user = UserFactory()
    for _round in range(2):
        for _ in range(settings.AXES_FAILURE_LIMIT - 1):
            response, _logged_in = _attempt(user.email, "wrong-password", "203.0.113.9")
            assert response.status_code == 200
        response, logged_in = _attempt(user.email, PASSWORD, "203.0.113.9")
        assert response.status_code == 302
        assert logged_in
