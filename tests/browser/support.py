"""Helpers for browser tests (fixtures are in conftest.py)."""

import threading

from axe_playwright_python.sync_playwright import Axe
from django.urls import reverse
from playwright.sync_api import BrowserContext, Page

BLOCKING_IMPACTS = {"serious", "critical"}
_axe = Axe()


def assert_accessible(page: Page, context: str = "") -> None:
    """Runs axe-core on the page as it is now and fails on every serious or
    critical violation; `context` says which page/state, for the message.

    axe is injected with page.evaluate, which goes through the DevTools
    protocol: Chromium does not apply the page's CSP to it, so the page under
    test keeps its real policy (no bypass_csp context, which would also hide
    the app's own violations) and nothing inline is ever added to it."""
    results = _axe.run(page)
    violations = [v for v in results.response["violations"] if v["impact"] in BLOCKING_IMPACTS]
    if violations:
        lines = [f"{len(violations)} serious/critical accessibility violation(s) on {context or page.url}:"]
        for violation in violations:
            targets = "; ".join(", ".join(node["target"]) for node in violation["nodes"])
            lines.append(f"- {violation['id']} ({violation['impact']}): {violation['help']} → {targets}")
        raise AssertionError("\n".join(lines))


def login(page: Page, live_server, email: str, password: str) -> None:
    """Logs in through the real form, as a person would."""
    login_url = live_server.url + reverse("login")
    page.goto(login_url)
    # Found by its fields, not its wording, so that it works in every language; the header has other forms.
    form = page.locator("form", has=page.locator('input[name="password"]'))
    form.locator('input[name="username"]').fill(email)
    form.locator('input[name="password"]').fill(password)
    with page.expect_navigation():
        form.locator('button[type="submit"]').click()
    if page.url.split("?")[0] == login_url:
        raise AssertionError(f"Logging in as {email} failed; the page says: {page.inner_text('main')}")


# Set while a test has cut the network: the live server then closes every
# connection on which a request arrives, unanswered (see `unreachable_server`).
network_cut = threading.Event()


def go_offline(context: BrowserContext) -> None:
    """Cuts the network, as a phone losing its signal: the context goes
    offline (its pages see `navigator.onLine` false, and wait until they do:
    under load Chromium tells a page a moment after the call returns), and
    the live server stops answering. Chromium's emulated offline alone let a
    save reach the server in about 1 run in 7 (a page controlled by its
    service worker, around a reload; a route refusing posts did not stop it
    either): such a request now fails as it would on a phone without signal."""
    network_cut.set()
    context.set_offline(True)
    for page in context.pages:
        page.wait_for_function("() => navigator.onLine === false")


def go_online(context: BrowserContext) -> None:
    network_cut.clear()
    context.set_offline(False)
