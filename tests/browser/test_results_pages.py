"""The results and action-plan pages in a real browser: accessibility (axe),
the strict CSP, a 320 px wide screen, the consensus form posting inline, and
the link from a key action to its comments."""

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
