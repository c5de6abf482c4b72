"""The results and action-plan pages in a real browser: accessibility (axe),
the strict CSP, a 320 px wide screen, the consensus form posting inline, and
the link from a key action to its comments."""

from pathlib import Path

import pytest
from playwright.sync_api import expect

from assessments.models import Consensus, Rating
from assessments.tests.results.test_results import add_respondents, spread
from assessments.tests.results_helpers import cae_round, key_action, url
from convening.tests.factories import PASSWORD
from tests.browser.support import assert_accessible, login

pytestmark = pytest.mark.browser


@pytest.fixture
def closed(lbc_rubrics, org):
    round_ = cae_round(org)
    add_respondents(round_, "Family", spread([1, 3, 3, 1]))
    add_respondents(round_, "Educator", spread([1, 4, 6, 1]))
    add_respondents(round_, "Advocate", [2, 3])
    return round_


def fits_the_width(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_results_page_is_accessible_and_records_consensus_inline(page, live_server, facilitator, closed):
    login(page, live_server, facilitator.email, PASSWORD)
    page.goto(live_server.url + url("results", closed))
    expect(page.get_by_role("heading", level=1)).to_contain_text(closed.name)
    first = key_action(closed)
    expect(page.locator(f"#chart-ka-{first.pk}-title")).to_have_count(1)
    assert_accessible(page, context="results page, facilitator")

    block = page.locator(f"#consensus-{first.pk}")
    block.get_by_label("3. Collaborating").check()
    block.get_by_label("Rationale").fill("We work together on the issue")
    address = page.url
    block.get_by_role("button", name="Record consensus").click()
    expect(page.locator(f"#consensus-{first.pk}").get_by_role("status")).to_have_text("The consensus is recorded.")
    assert page.url == address  # swapped in place, no page load
    assert Consensus.objects.get().level.position == 3
    assert_accessible(page, context="results page after an inline consensus")


def test_the_comments_are_a_click_away(page, live_server, facilitator, closed):
    first = key_action(closed)
    ratings = Rating.objects.filter(response__round=closed, key_action=first).order_by("pk")[:60]
    Rating.objects.bulk_update(
        [Rating(pk=rating.pk, evidence=f"Comment {i:02d}\nsecond line") for i, rating in enumerate(ratings)],
        ["evidence"],
    )
    login(page, live_server, facilitator.email, PASSWORD)
    page.goto(live_server.url + url("results", closed))
    page.locator(f"#ka-{first.pk}").get_by_role("link", name="Read the 22 comments").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(first.title)
    expect(page.locator("ul.evidence li")).to_have_count(22)
    expect(page.locator("ul.evidence li").first).to_have_text("Comment 00\nsecond line", use_inner_text=True)
    assert_accessible(page, context="evidence page")
    page.get_by_role("link", name="Back to the results").click()
    expect(page.locator(f"#ka-{first.pk}-heading")).to_be_in_viewport()


def test_results_and_plan_fit_a_320px_screen(page, live_server, facilitator, closed):
    page.set_viewport_size({"width": 320, "height": 800})
    login(page, live_server, facilitator.email, PASSWORD)
    for name in ("results", "plan"):
        page.goto(live_server.url + url(name, closed))
        assert fits_the_width(page), name
        assert_accessible(page, context=f"{name} page at 320 px")


SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


@pytest.fixture
def varied(lbc_rubrics, org):
    """Key action 1 spread a little (Family), key action 3 a lot (Educator), the others all at level 2."""
    round_ = cae_round(org)
    add_respondents(round_, "Family", spread([1, 3, 3, 1]))
    add_respondents(round_, "Educator", spread([3, 2, 2, 5]), key_action_position=3)
    add_respondents(round_, "Advocate", [2, 3])
    return round_


@pytest.mark.parametrize("width", [1280, 375])
def test_the_results_page_reads_at_a_glance(page, live_server, facilitator, varied, width):
    """Issue 17: the summary, the full-width bars, the disagreement order and
    the folded consensus forms, at a desktop's and a phone's width. The
    screenshots are kept in docs/screenshots/ (the "before" ones beside them)."""
    page.set_viewport_size({"width": width, "height": 900})
    login(page, live_server, facilitator.email, PASSWORD)
    page.goto(live_server.url + url("results", varied))
    expect(page.get_by_role("heading", name="At a glance")).to_be_visible()
    expect(page.get_by_role("heading", name="Download")).to_be_visible()
    assert fits_the_width(page), "results page"
    assert_accessible(page, context=f"results page at {width} px")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"results-{width}.png"), full_page=True)

    headings = page.locator("section.card h3")
    in_rubric_order = headings.all_inner_texts()
    page.get_by_role("link", name="most disagreement first").click()
    expect(page.get_by_role("link", name="most disagreement first")).to_have_attribute("aria-current", "page")
    by_disagreement = headings.all_inner_texts()
    assert sorted(by_disagreement) == sorted(in_rubric_order)
    assert by_disagreement[0] == in_rubric_order[2]  # key action 3, the most spread out, comes first
    assert fits_the_width(page), "results page by disagreement"

    # Every key action is still without a consensus: its form is open; once recorded, folded behind a button.
    first = key_action(varied)
    block = page.locator(f"#consensus-{first.pk}")
    expect(block.get_by_label("Rationale")).to_be_visible()
    block.get_by_label("2. Networking").check()
    block.get_by_role("button", name="Record consensus").click()
    expect(block.get_by_role("status")).to_have_text("The consensus is recorded.")
    expect(block.get_by_label("Rationale")).to_be_hidden()
    block.locator("summary").first.click()
    expect(block.get_by_label("Rationale")).to_be_visible()
    page.mouse.move(0, 0)
    page.wait_for_timeout(300)  # the button's hover colours fade out (a transition axe would catch half-way)
    assert_accessible(page, context=f"results page at {width} px, a consensus form opened")
