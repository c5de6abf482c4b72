"""Every answer stored as given, in Chromium on a phone-sized screen (issue
10): the keyboard race, leaving right after typing, offline then online, and
two tabs of one person. Each reads the answers back on the server too."""

import time
from collections.abc import Callable, Iterator

import pytest
from django.test import Client
from playwright.sync_api import Browser, BrowserContext, Page, expect

from assessments.invitations.selectors import invitation_link_path
from assessments.models import Invitation, Rating
from assessments.rounds.services import round_open
from assessments.tests.factories import RoundFactory, invite
from convening.tests.factories import TeamFactory
from tests.browser.support import go_offline, go_online

from .conftest import console_key

pytestmark = pytest.mark.browser

EVIDENCE = "Minutes of the May meeting, page 3"


@pytest.fixture
def invitation(lbc_rubrics, org) -> Invitation:
    round_ = RoundFactory.create(team=TeamFactory(organization=org), rubrics=list(lbc_rubrics.order_by("slug")))
    round_open(round=round_)
    return invite(round_)[0]


@pytest.fixture
def phone(browser: Browser, request) -> Iterator[Callable[..., BrowserContext]]:
    """Pages of one person's browser (one context: cookies and storage shared), phone-sized."""
    console = request.node.stash.setdefault(console_key, [])
    contexts = []

    def make(width: int = 320):
        context = browser.new_context(locale="en", viewport={"width": width, "height": 740})
        contexts.append(context)
        return context

    yield make
    for context in contexts:
        context.close()
    assert not [line for line in console if "pageerror" in line]


def open_link(context, live_server, invitation) -> Page:
    page = context.new_page()
    page.goto(live_server.url + invitation_link_path(invitation))
    expect(page.locator("form[data-autosave]")).to_be_visible()
    return page


def fieldsets(page: Page) -> list[str]:
    return page.locator("fieldset[data-key-action]").evaluate_all("nodes => nodes.map(n => n.dataset.keyAction)")


def show(page: Page, key_action: str) -> None:
    """Brings one key action on screen, however the page lays them out (on a
    phone, one at a time, following the address's #ka-<id>)."""
    page.evaluate("(id) => { location.hash = 'ka-' + id; }", key_action)
    expect(page.locator(f"#ka-{key_action}")).to_be_visible()


def stored(invitation) -> dict[int, tuple[int | None, str]]:
    return {
        r.key_action_id: (r.level.position if r.level else None, r.evidence)
        for r in Rating.objects.filter(response__invitation=invitation).select_related("level")
    }


def checked_positions(page: Page) -> dict[int, int | None]:
    """The level position checked on screen per key action (None: none, 0: "Not sure")."""
    return page.evaluate(
        """() => Object.fromEntries([...document.querySelectorAll('fieldset[data-key-action]')].map(f => {
            const radios = [...f.querySelectorAll('input[type=radio]')];
            const i = radios.findIndex(r => r.checked);
            return [f.dataset.keyAction, i < 0 ? null : (radios[i].value === 'not_sure' ? 0 : i + 1)];
        }))"""
    )


def wait_until(condition: Callable[[], bool], seconds: float = 10.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("timed out")
        time.sleep(0.05)


@pytest.mark.parametrize("width", [320, 375])
def test_the_keyboard_race_stores_every_selection_as_shown(phone, live_server, invitation, width):
    """ArrowDown three times in each key action's radios without waiting,
    then reload once every status says "Saved": 27 of 27 as shown."""
    page = open_link(phone(width), live_server, invitation)
    ids = fieldsets(page)
    assert len(ids) == 9
    for key_action in ids:
        show(page, key_action)
        page.locator(f"#ka-{key_action} input[type=radio]").first.focus()
        page.keyboard.press("Space")  # level 1 chosen
        for _press in range(3):
            page.keyboard.press("ArrowDown")  # 2, 3, 4: each press sends a save at once
    for key_action in ids:
        expect(page.locator(f"#status-{key_action}")).to_have_text("Saved", timeout=15000)
    shown = checked_positions(page)
    assert set(shown.values()) == {4}
    page.reload()
    assert checked_positions(page) == shown
    assert {str(pk): level for pk, (level, _e) in stored(invitation).items()} == shown


def test_evidence_typed_then_the_page_left_at_once_is_kept(phone, live_server, invitation):
    context = phone()
    page = open_link(context, live_server, invitation)
    first = fieldsets(page)[0]
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.type), dialog.accept()))
    page.locator(f"#ka-{first}-evidence").fill(EVIDENCE)
    page.wait_for_timeout(100)
    page.goto(live_server.url + "/")
    wait_until(lambda: stored(invitation).get(int(first), (None, ""))[1] == EVIDENCE)
    assert dialogs in ([], ["beforeunload"])  # the browser may warn, and the text is kept either way


def test_evidence_typed_then_the_page_closed_at_once_is_kept(phone, live_server, invitation):
    context = phone()
    page = open_link(context, live_server, invitation)
    second = fieldsets(page)[1]
    show(page, second)
    page.locator(f"#ka-{second}-evidence").fill("Closed the tab at once")
    page.wait_for_timeout(100)
    page.close()
    wait_until(lambda: stored(invitation).get(int(second), (None, ""))[1] == "Closed the tab at once")


def test_offline_changes_wait_and_are_sent_in_order_when_the_connection_returns(phone, live_server, invitation):
    context = phone()
    page = open_link(context, live_server, invitation)
    first, second = fieldsets(page)[:2]
    go_offline(context)
    show(page, first)
    page.locator(f"#ka-{first}-level-2").check()
    page.locator(f"#ka-{first}-level-3").check()
    show(page, second)
    page.locator(f"#ka-{second}-evidence").fill("Written on the bus")
    page.locator(f"#ka-{second}-evidence").blur()
    expect(page.locator("#rating-queue")).to_contain_text("2 changes waiting to be sent.")
    expect(page.locator(f"#status-{first}")).not_to_have_text("Saved")
    assert stored(invitation) == {}

    go_online(context)
    for key_action in (first, second):
        expect(page.locator(f"#status-{key_action}")).to_have_text("Saved", timeout=15000)
    expect(page.locator("#rating-queue")).to_have_text("")
    assert stored(invitation) == {int(first): (3, ""), int(second): (None, "Written on the bus")}


def test_changes_left_offline_are_sent_when_the_page_is_opened_again(phone, live_server, invitation):
    """The page closed offline with a change waiting: once online, the change
    is stored (by the browser's last request, or by the page opened again)
    and the page opened again shows it with nothing left waiting."""
    context = phone()
    page = open_link(context, live_server, invitation)
    first = fieldsets(page)[0]
    go_offline(context)
    page.locator(f"#ka-{first}-level-4").check()
    expect(page.locator("#rating-queue")).to_contain_text("1 change waiting to be sent.")
    page.close()
    assert stored(invitation) == {}
    go_online(context)
    again = context.new_page()
    again.goto(live_server.url + f"/rounds/{invitation.round_id}/rate/")
    wait_until(lambda: stored(invitation) == {int(first): (4, "")})
    expect(again.locator(f"#ka-{first}-level-4")).to_be_checked()
    expect(again.locator("#rating-queue")).to_have_text("")


KEPT_COPY = """async () => {
    const cache = await caches.open("convening-rating-v1");
    const page = await cache.match(location.pathname, { ignoreVary: true });
    const files = [...document.querySelectorAll("script[src], link[rel=stylesheet]")].map(e => e.src || e.href);
    const kept = await Promise.all(files.map(url => cache.match(url)));
    return Boolean(page) && kept.every(Boolean);
}"""


def test_reloading_while_offline_shows_the_newest_answers_and_the_waiting_changes(phone, live_server, invitation):
    """The page comes back from the copy the service worker kept when it was
    opened; what was saved after that copy, and what waits, are on screen."""
    context = phone()
    page = open_link(context, live_server, invitation)
    first, second, third = fieldsets(page)[:3]
    wait_until(lambda: page.evaluate(KEPT_COPY))
    show(page, first)
    page.locator(f"#ka-{first}-level-2").check()
    expect(page.locator(f"#status-{first}")).to_have_text("Saved")

    go_offline(context)
    show(page, second)
    page.locator(f"#ka-{second}-level-3").check()
    show(page, third)
    page.locator(f"#ka-{third}-evidence").fill("Written offline")
    page.locator(f"#ka-{third}-evidence").blur()
    expect(page.locator("#rating-queue")).to_contain_text("2 changes waiting to be sent.")
    page.reload()

    expect(page.locator("form[data-autosave]")).to_be_attached()
    expect(page.locator("#rating-queue")).to_contain_text("2 changes waiting to be sent.")
    expect(page.locator("#rating-queue")).to_contain_text("You are offline")
    positions = checked_positions(page)
    assert (positions[first], positions[second]) == (2, 3)
    expect(page.locator(f"#ka-{third}-evidence")).to_have_value("Written offline")
    assert stored(invitation) == {int(first): (2, "")}

    go_online(context)
    page.evaluate("() => window.dispatchEvent(new Event('online'))")
    for key_action in (second, third):
        expect(page.locator(f"#status-{key_action}")).to_have_text("Saved", timeout=15000)
    assert stored(invitation) == {int(first): (2, ""), int(second): (3, ""), int(third): (None, "Written offline")}


def test_leaving_the_page_clears_what_the_browser_kept(phone, live_server, invitation):
    context = phone(375)
    page = open_link(context, live_server, invitation)
    first = fieldsets(page)[0]
    wait_until(lambda: page.evaluate(KEPT_COPY))
    go_offline(context)
    page.locator(f"#ka-{first}-level-4").check()
    go_online(context)
    expect(page.locator(f"#status-{first}")).to_have_text("Saved", timeout=15000)
    assert page.evaluate("() => localStorage.length") > 0

    page.get_by_role("button", name="Not you? Leave this page").click()
    expect(page.get_by_role("heading", name="You have left the rating page")).to_be_visible()
    assert page.evaluate("async () => (await caches.keys()).length") == 0
    assert page.evaluate("() => localStorage.length") == 0
    go_offline(context)
    assert (
        page.evaluate(
            "(url) => fetch(url).then(() => 'served', () => 'nothing kept')", f"/rounds/{invitation.round_id}/rate/"
        )
        == "nothing kept"
    )


def test_a_stale_tab_is_refused_with_the_stored_answer_shown(phone, live_server, invitation):
    context = phone(375)
    laptop = open_link(context, live_server, invitation)
    stale = context.new_page()
    stale.goto(live_server.url + f"/rounds/{invitation.round_id}/rate/")
    first = fieldsets(laptop)[0]
    laptop.locator(f"#ka-{first}-level-2").check()
    expect(laptop.locator(f"#status-{first}")).to_have_text("Saved")

    stale.locator(f"#ka-{first}-level-4").check()
    expect(stale.locator(f"#status-{first}")).to_contain_text("changed in another window")
    expect(stale.locator(f"#ka-{first}-level-2")).to_be_checked()  # the stored answer is shown
    assert stored(invitation) == {int(first): (2, "")}

    stale.locator(f"#ka-{first}-level-3").check()  # decided again, from what is stored now
    expect(stale.locator(f"#status-{first}")).to_have_text("Saved")
    assert stored(invitation) == {int(first): (3, "")}


def test_the_server_refuses_what_an_old_version_would_overwrite(live_server, invitation):
    """The same rule without a browser: what the script relies on."""
    client = Client()
    client.get(invitation_link_path(invitation))
    first = invitation.round.rubrics.order_by("slug").first().key_actions.order_by("position").first()
    url = f"/rounds/{invitation.round_id}/rate/{first.pk}/"
    level = first.rubric.levels.get(position=2).pk
    assert client.post(url, {f"ka-{first.pk}-level": level, f"ka-{first.pk}-level-version": 0}).status_code == 200
    assert client.post(url, {f"ka-{first.pk}-level": level, f"ka-{first.pk}-level-version": 0}).status_code == 409
