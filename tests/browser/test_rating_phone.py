"""The rating page on a phone: one key action per screen (static/js/rate-steps.js).

A round of the two LbC rubrics (9 key actions of 4 levels) rated by a signed-in
stakeholder. Below 768 px the page shows one key action at a time, with
Previous / Next / "Next unanswered", a contents list marking what is done and
what is shown, and a sticky progress bar; the address follows the shown key
action. Every level option is a tap target of at least 44 × 44 px, nothing
scrolls sideways, and axe finds no serious violation in English or Spanish.
At 1280 px the whole list shows; without JavaScript every key action stays on
the page and the Save button saves. After a refused submit the unanswered key
actions are listed, linked and marked."""

import re
from urllib.parse import urlsplit

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from assessments.models import Rating
from assessments.rounds.services import round_open
from assessments.tests.factories import RoundFactory, invite
from convening.tests.factories import PASSWORD, TeamFactory
from tests.browser.conftest import ARTIFACTS, console_key, report_key
from tests.browser.support import assert_accessible, login

pytestmark = pytest.mark.browser

MIN_TARGET = 44
KEY_ACTIONS = 9


@pytest.fixture
def rating(lbc_rubrics, org, stakeholder):
    """An open round of both LbC rubrics, the stakeholder invited; its key
    actions in the page's order (rubric by rubric, by position)."""
    round_ = RoundFactory(team=TeamFactory(organization=org, name="SSIP stakeholder team"))
    round_open(round=round_)
    invite(round_, stakeholder)
    return round_


@pytest.fixture
def open_page(browser, page, request, live_server, stakeholder):
    """A signed-in stakeholder's rating page in a browser context of a given
    width, language and JavaScript setting. Console messages go where the
    harness looks for CSP violations; on failure a screenshot is kept."""
    console = request.node.stash[console_key]
    contexts = []

    def make(round_, *, width: int, language: str = "en", javascript: bool = True):
        context = browser.new_context(
            locale="en", viewport={"width": width, "height": 740}, java_script_enabled=javascript
        )
        contexts.append(context)
        tab = context.new_page()
        label = f"{width}px-{language}{'' if javascript else '-nojs'}"
        tab.on("console", lambda message: console.append(f"[{label}] {message.type}: {message.text}"))
        tab.on("pageerror", lambda error: console.append(f"[{label}] pageerror: {error}"))
        login(tab, live_server, stakeholder.email, PASSWORD)
        tab.goto(live_server.url + reverse("assessments:rate", args=[round_.pk]))
        if language != "en":  # through the header's language form, as a person would
            header = tab.get_by_role("banner")
            header.get_by_label("Language").select_option(language)
            with tab.expect_navigation():
                header.get_by_role("button", name="Change language").click()
        expect(tab.locator("html")).to_have_attribute("lang", language)
        return tab

    yield make
    report = request.node.stash.get(report_key, {}).get("call")
    for index, context in enumerate(contexts):
        if report is not None and report.failed and context.pages:
            ARTIFACTS.mkdir(exist_ok=True)
            name = re.sub(r"[^\w.-]+", "_", f"{request.node.nodeid}-{index}")
            context.pages[0].screenshot(path=ARTIFACTS / f"{name}.png", full_page=True)
        context.close()


def _key_action_ids(tab) -> list[str]:
    return tab.locator("fieldset.key-action").evaluate_all("(sets) => sets.map((set) => set.id)")


def _shown(tab) -> list[str]:
    return tab.locator("fieldset.key-action:visible").evaluate_all("(sets) => sets.map((set) => set.id)")


def _expect_shown(tab, fieldset_id: str) -> None:
    expect(tab.locator("fieldset.key-action:visible")).to_have_count(1)
    expect(tab.locator(f"#{fieldset_id}")).to_be_visible()
    expect(tab).to_have_url(re.compile(f"#{fieldset_id}$"))


def _expect_legend_focused(tab, fieldset_id: str) -> None:
    expect(tab.locator(f"#{fieldset_id} > legend")).to_be_focused()


def _fits_the_width(tab) -> bool:
    return tab.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def _assert_target(locator, what: str) -> None:
    box = locator.bounding_box()
    assert box is not None, f"{what} is not on screen"
    assert box["height"] >= MIN_TARGET and box["width"] >= MIN_TARGET, f"{what} is only {box['width']}×{box['height']}"


def _assert_level_options_are_large(tab, fieldset_id: str) -> None:
    options = tab.locator(f"#{fieldset_id} .level-option")
    expect(options).to_have_count(5)  # four levels and "Not sure"
    for index in range(5):
        option = options.nth(index)
        _assert_target(option, f"level option {index + 1} of {fieldset_id}")
        # The label is the tap target, and it covers the whole option.
        option_box, label_box = option.bounding_box(), option.locator("label").bounding_box()
        assert option_box and label_box
        assert label_box["height"] >= option_box["height"] - 1 and label_box["width"] >= option_box["width"] - 1


def _toc_item(tab, fieldset_id: str):
    return tab.locator(f'#rating-toc [data-toc-for="{fieldset_id}"]')


def _choose(tab, fieldset_id: str, option: int, saved: str = "Saved") -> None:
    """Taps an option's box near its right edge (not on the radio) and waits for the save."""
    label = tab.locator(f"#{fieldset_id} .level-option label").nth(option)
    box = label.bounding_box()
    assert box is not None
    label.click(position={"x": box["width"] - 8, "y": box["height"] - 8})
    expect(tab.locator(f"#{fieldset_id} .level-option input").nth(option)).to_be_checked()
    expect(tab.locator(f"#{fieldset_id} .save-status")).to_have_text(saved)


@pytest.mark.parametrize("width", [320, 375])
def test_a_phone_shows_one_key_action_at_a_time(open_page, rating, width):
    tab = open_page(rating, width=width)
    ids = _key_action_ids(tab)
    assert len(ids) == KEY_ACTIONS
    step_nav = tab.locator("#step-nav")
    previous, next_ = (
        step_nav.get_by_role("button", name="Previous"),
        step_nav.get_by_role("button", name="Next", exact=True),
    )
    next_unanswered = step_nav.get_by_role("button", name="Next unanswered")
    progress = tab.locator("#progress")

    # Nothing answered: the first key action, its address in the hash.
    _expect_shown(tab, ids[0])
    assert _fits_the_width(tab), f"the rating page overflows a {width} px screen"
    expect(progress).to_contain_text(f"0 of {KEY_ACTIONS} rated")
    expect(step_nav).to_contain_text(f"Key action 1 of {KEY_ACTIONS}")
    expect(previous).to_be_disabled()
    _assert_level_options_are_large(tab, ids[0])
    for control in (next_, next_unanswered, tab.get_by_role("button", name="Save my answers")):
        _assert_target(control, f"the button {control}")
    assert_accessible(tab, context=f"rating page at {width} px, first key action")

    # Next and Previous: one key action each, the focus on its legend.
    next_.click()
    _expect_shown(tab, ids[1])
    _expect_legend_focused(tab, ids[1])
    expect(previous).to_be_enabled()
    expect(step_nav).to_contain_text(f"Key action 2 of {KEY_ACTIONS}")
    _assert_level_options_are_large(tab, ids[1])
    previous.click()
    _expect_shown(tab, ids[0])
    _expect_legend_focused(tab, ids[0])

    # Answers mark their key action done in the contents; the progress follows.
    expect(_toc_item(tab, ids[0])).not_to_have_class(re.compile(r"\bis-done\b"))
    _choose(tab, ids[0], 1)
    expect(_toc_item(tab, ids[0])).to_have_class(re.compile(r"\bis-done\b"))
    expect(progress).to_contain_text(f"1 of {KEY_ACTIONS} rated")
    next_.click()
    _choose(tab, ids[1], 4)  # "Not sure" counts as done
    expect(_toc_item(tab, ids[1])).to_have_class(re.compile(r"\bis-done\b"))
    expect(progress).to_contain_text(f"2 of {KEY_ACTIONS} rated")

    # From the keyboard: after the evidence box come Previous and Next.
    tab.locator(f"#{ids[1]}-evidence").focus()
    tab.keyboard.press("Tab")
    expect(previous).to_be_focused()
    tab.keyboard.press("Tab")
    expect(next_).to_be_focused()

    # "Next unanswered" skips what is done: back on the first, it goes to the third.
    previous.click()
    next_unanswered.click()
    _expect_shown(tab, ids[2])
    _expect_legend_focused(tab, ids[2])
    assert_accessible(tab, context=f"rating page at {width} px, third key action")

    # The contents: folded on a phone, every key action in it, the shown one marked current.
    toc = tab.get_by_role("navigation", name="Contents")
    summary = toc.locator("summary")
    _assert_target(summary, "the contents' summary")
    summary.click()
    links = toc.locator("[data-toc-for] a")
    expect(links).to_have_count(KEY_ACTIONS)
    expect(links.nth(2)).to_have_attribute("aria-current", "step")
    # Screen readers hear the state too: done, or not yet.
    expect(links.nth(0)).to_have_accessible_name(re.compile(r"answered$"))
    expect(links.nth(2)).to_have_accessible_name(re.compile(r"not answered yet$"))
    for index in range(KEY_ACTIONS):
        _assert_target(links.nth(index), f"contents link {index + 1}")
    assert _fits_the_width(tab)
    assert_accessible(tab, context=f"rating page at {width} px, contents open")
    links.nth(6).click()
    _expect_shown(tab, ids[6])
    _expect_legend_focused(tab, ids[6])
    expect(links.nth(6)).to_have_attribute("aria-current", "step")
    expect(links.nth(2)).not_to_have_attribute("aria-current", "step")
    expect(toc.locator("details")).not_to_have_attribute("open", "")

    # The Back button and a reload land on the key action of the address.
    tab.go_back()
    _expect_shown(tab, ids[2])
    tab.go_forward()
    _expect_shown(tab, ids[6])
    tab.reload()
    _expect_shown(tab, ids[6])
    expect(_toc_item(tab, ids[0])).to_have_class(re.compile(r"\bis-done\b"))
    expect(progress).to_contain_text(f"2 of {KEY_ACTIONS} rated")

    # The progress bar stays in view at the bottom of a long key action.
    assert progress.locator("xpath=..").evaluate("(element) => getComputedStyle(element).position") == "sticky"
    next_.scroll_into_view_if_needed()
    expect(progress).to_be_in_viewport()
    expect(progress.get_by_role("progressbar")).to_be_in_viewport()
    box = progress.bounding_box()
    assert box is not None and box["y"] >= 0

    # The last one: Next is disabled.
    links.nth(KEY_ACTIONS - 1).evaluate("(link) => link.click()")
    _expect_shown(tab, ids[-1])
    expect(next_).to_be_disabled()
    assert _fits_the_width(tab)


@pytest.mark.parametrize("width", [320, 375])
def test_the_phone_page_is_accessible_in_spanish(open_page, rating, width):
    tab = open_page(rating, width=width, language="es")
    ids = _key_action_ids(tab)
    _expect_shown(tab, ids[0])
    step_nav = tab.locator("#step-nav")
    expect(step_nav.get_by_role("button", name="Siguiente", exact=True)).to_be_visible()
    expect(step_nav).to_contain_text(f"Acción clave 1 de {KEY_ACTIONS}")
    assert _fits_the_width(tab), f"the Spanish rating page overflows a {width} px screen"
    _assert_level_options_are_large(tab, ids[0])
    assert_accessible(tab, context=f"rating page in Spanish at {width} px")
    _choose(tab, ids[0], 0, saved="Guardado")
    step_nav.get_by_role("button", name="Siguiente sin responder").click()
    _expect_shown(tab, ids[1])
    tab.get_by_role("navigation", name="Contenido").locator("summary").click()
    expect(_toc_item(tab, ids[0]).get_by_role("link")).to_have_accessible_name(re.compile(r"respondida$"))
    assert _fits_the_width(tab)
    assert_accessible(tab, context=f"rating page in Spanish at {width} px, contents open")


def test_a_wide_screen_shows_every_key_action(open_page, rating):
    tab = open_page(rating, width=1280)
    ids = _key_action_ids(tab)
    expect(tab.locator("fieldset.key-action:visible")).to_have_count(KEY_ACTIONS)
    expect(tab.locator("#step-nav")).to_be_hidden()
    assert urlsplit(tab.url).fragment == ""  # the address is left alone
    toc = tab.get_by_role("navigation", name="Contents")
    expect(toc.locator("[data-toc-for] a")).to_have_count(KEY_ACTIONS)
    expect(toc.locator("[data-toc-for] a").first).to_be_visible()
    expect(toc.locator("[aria-current]")).to_have_count(0)
    _assert_level_options_are_large(tab, ids[0])
    assert _fits_the_width(tab)
    assert_accessible(tab, context="rating page at 1280 px")
    # A contents link scrolls as it always did; every key action stays.
    toc.locator("[data-toc-for] a").nth(5).click()
    expect(tab.locator(f"#{ids[5]}")).to_be_in_viewport()
    expect(tab.locator("fieldset.key-action:visible")).to_have_count(KEY_ACTIONS)


def test_turning_a_phone_keeps_the_key_action_being_rated(open_page, rating):
    tab = open_page(rating, width=1024)
    ids = _key_action_ids(tab)
    tab.locator(f"#{ids[4]} .level-option label").first.click()
    tab.set_viewport_size({"width": 375, "height": 740})
    _expect_shown(tab, ids[4])
    tab.set_viewport_size({"width": 1024, "height": 740})
    expect(tab.locator("fieldset.key-action:visible")).to_have_count(KEY_ACTIONS)
    expect(tab.locator("#step-nav")).to_be_hidden()


def test_without_javascript_every_key_action_stays_and_save_saves(open_page, rating, stakeholder):
    tab = open_page(rating, width=320, javascript=False)
    ids = _key_action_ids(tab)
    assert _shown(tab) == ids and len(ids) == KEY_ACTIONS
    expect(tab.locator("#step-nav")).to_be_hidden()
    expect(tab.locator("fieldset.key-action .level-option")).to_have_count(KEY_ACTIONS * 5)
    assert _fits_the_width(tab)
    _assert_level_options_are_large(tab, ids[0])
    # The contents work as plain links.
    toc = tab.get_by_role("navigation", name="Contents")
    toc.locator("[data-toc-for] a").nth(7).click()
    expect(tab).to_have_url(re.compile(f"#{ids[7]}$"))
    expect(tab.locator(f"#{ids[7]} > legend")).to_be_in_viewport()

    tab.locator(f"#{ids[0]} .level-option label").nth(2).click()
    tab.locator(f"#{ids[8]} .level-option label").nth(4).click()
    with tab.expect_navigation():
        tab.get_by_role("button", name="Save my answers").click()
    expect(tab.get_by_role("status").filter(has_text="Your answers are saved.")).to_be_visible()
    ratings = Rating.objects.filter(response__invitation__user=stakeholder)
    assert ratings.count() == 2
    assert ratings.get(key_action_id=int(ids[8].removeprefix("ka-"))).not_sure
    assert ratings.get(key_action_id=int(ids[0].removeprefix("ka-"))).level.position == 3
    expect(tab.locator("#progress")).to_contain_text(f"2 of {KEY_ACTIONS} rated")
    expect(_toc_item(tab, ids[0])).to_have_class(re.compile(r"\bis-done\b"))
    # (axe itself needs JavaScript: the same markup is checked with it in the tests above.)


def test_a_refused_submit_lists_and_marks_the_unanswered_key_actions(open_page, rating):
    tab = open_page(rating, width=320)
    ids = _key_action_ids(tab)
    _choose(tab, ids[0], 0)
    tab.get_by_role("button", name="Next unanswered").click()
    _choose(tab, ids[1], 1)
    with tab.expect_navigation():
        tab.get_by_role("button", name="Submit my ratings").click()

    expect(tab.get_by_role("status").filter(has_text=f"{KEY_ACTIONS - 2} still open")).to_be_visible()
    missing = tab.locator("#missing")
    expect(missing.get_by_role("link")).to_have_count(KEY_ACTIONS - 2)
    expect(missing.get_by_role("link").first).to_have_attribute("href", f"#{ids[2]}")
    # The address is the rating page's again, so a reload does not post the submit anew.
    assert urlsplit(tab.url).path == reverse("assessments:rate", args=[rating.pk])
    _expect_shown(tab, ids[2])
    expect(tab.locator(f"#{ids[2]} [data-missing-note]")).to_be_visible()
    for fieldset_id in ids[2:]:
        expect(_toc_item(tab, fieldset_id)).to_have_class(re.compile(r"\bis-missing\b"))
    for fieldset_id in ids[:2]:
        expect(_toc_item(tab, fieldset_id)).to_have_class(re.compile(r"\bis-done\b"))
    assert _fits_the_width(tab)
    assert_accessible(tab, context="rating page at 320 px after a refused submit")

    # A missing one's link shows it; answering it clears its marks.
    missing.get_by_role("link").nth(3).click()
    _expect_shown(tab, ids[5])
    _expect_legend_focused(tab, ids[5])
    _choose(tab, ids[5], 2)
    expect(tab.locator(f"#{ids[5]} [data-missing-note]")).to_be_hidden()
    expect(missing.locator(f'[data-missing-for="{ids[5]}"]')).to_be_hidden()
    expect(_toc_item(tab, ids[5])).to_have_class(re.compile(r"\bis-done\b"))
    expect(_toc_item(tab, ids[5])).not_to_have_class(re.compile(r"\bis-missing\b"))
    expect(missing.get_by_role("link")).to_have_count(KEY_ACTIONS - 3)
