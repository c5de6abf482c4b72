"""Browser-test harness: Playwright driving Debian's Chromium against
pytest-django's live_server.

- `browser` (session): one headless Chromium for the whole run. A missing
  executable FAILS the tests rather than skipping them, so that a CI machine
  without a browser cannot pass silently.
- `page` (function): a fresh context (no cookies shared between tests). Every
  console message is kept; a Content-Security-Policy violation ("Refused to
  ...") fails the test, which is how the strict CSP is proven on real pages.
  On failure a screenshot and the console go to test-artifacts/.
- Helpers in tests/browser/support.py: `login` (through the real form) and
  `assert_accessible` (axe-core).

Database: live_server makes every browser test transactional, and the flush
after each one removes the LbC rubrics that a data migration created. Tests
that need them request the `lbc_rubrics` fixture, which re-runs that
migration's loader when they are missing. (pytest-django's serialized rollback
was tried and rejected: restoring the snapshot collides with the content types
that the flush of an ordinary transactional test re-creates.)
"""

import importlib
import os
import re
from pathlib import Path

import pytest

# Playwright's sync API runs an event loop in this thread; Django would then
# refuse every ORM call (SynchronousOnlyOperation) in the test and the live server.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

from playwright.sync_api import sync_playwright  # noqa: E402

CHROMIUM_PATH = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    # Root in a container has no user namespaces for the sandbox.
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    # No traffic of the browser's own: the machine may only reach package registries.
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
# Older Chromium says "Refused to load/execute/apply ..."; current Chromium says "... violates the following
# Content Security Policy directive ...".
CSP_VIOLATION = re.compile(r"Refused to|Content Security Policy", re.IGNORECASE)
console_key = pytest.StashKey[list]()
report_key = pytest.StashKey[dict]()


@pytest.fixture(scope="session")
def browser():
    if not os.path.exists(CHROMIUM_PATH):
        pytest.fail(
            f"No Chromium at {CHROMIUM_PATH}. Install Debian's package (`sudo apt-get install chromium`, "
            "or run `python scripts/ensure_system_packages.py test` as root) or set CHROMIUM_PATH to a Chromium.",
            pytrace=False,
        )
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM_PATH, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, request):
    context = browser.new_context(locale="en")
    page = context.new_page()
    console = request.node.stash[console_key] = []
    page.on("console", lambda message: console.append(f"{message.type}: {message.text}"))
    page.on("pageerror", lambda error: console.append(f"pageerror: {error}"))
    yield page
    report = request.node.stash.get(report_key, {}).get("call")
    if report is not None and report.failed:
        ARTIFACTS.mkdir(exist_ok=True)
        name = re.sub(r"[^\w.-]+", "_", request.node.nodeid)
        page.screenshot(path=ARTIFACTS / f"{name}.png", full_page=True)
        (ARTIFACTS / f"{name}.console.txt").write_text("\n".join(console) + "\n", encoding="utf-8")
    context.close()


@pytest.fixture(autouse=True)
def unreachable_server(monkeypatch):
    """While `support.go_offline` has cut the network, the live server reads
    each request's first line and closes the connection without an answer;
    the browser sees what it sees when a phone loses its signal mid-request."""
    from django.core.servers.basehttp import WSGIRequestHandler

    from .support import network_cut

    parse_request = WSGIRequestHandler.parse_request

    def parse_unless_cut(handler):
        if network_cut.is_set():
            handler.close_connection = True
            return False
        return parse_request(handler)

    monkeypatch.setattr(WSGIRequestHandler, "parse_request", parse_unless_cut)
    yield
    network_cut.clear()


@pytest.fixture
def lbc_rubrics(transactional_db):
    from django.apps import apps

    from rubrics.models import Rubric

    built_in = Rubric.objects.filter(organization__isnull=True)
    if not built_in.exists():
        importlib.import_module("rubrics.migrations.0002_load_lbc_rubrics").load(apps, schema_editor=None)
    return built_in


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item):
    result = yield
    # Checked after the test body, so that a violation anywhere in the test fails the test itself, not its teardown.
    violations = [line for line in item.stash.get(console_key, []) if CSP_VIOLATION.search(line)]
    if violations:
        pytest.fail("The page broke its Content-Security-Policy:\n" + "\n".join(violations), pytrace=False)
    return result


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    item.stash.setdefault(report_key, {})[report.when] = report
    console = item.stash.get(console_key, [])
    if report.when == "call" and console:
        report.sections.append(("browser console", "\n".join(console)))
    return report
