"""The stakeholder's home in a real browser: their open rounds with progress
and a button to the rating page, at 1280 and 320 px wide (no horizontal
scroll, buttons at least 44 px tall), checked with axe, and without JavaScript."""

import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from assessments.rating.services import rating_save
from assessments.rounds.services import round_open
from assessments.tests.factories import RoundFactory, invite
from convening.tests.factories import PASSWORD, TeamFactory
from rubrics.models import KeyAction
from tests.browser.support import assert_accessible, login

pytestmark = pytest.mark.browser


@pytest.fixture
def rounds(org, stakeholder, lbc_rubrics):
    """Two open rounds the stakeholder is invited to: one not started, one with a first answer."""
    started = None
    for name in ("Spring assessment of a team with a rather long name", "Summer"):
        round_ = RoundFactory(team=TeamFactory(organization=org), name=name)
        round_open(round=round_)
        (invitation,) = invite(round_, stakeholder)
        started = invitation
    key_action = KeyAction.objects.filter(rubric__round_rubrics__round=started.round).first()
    rating_save(
        invitation=started,
        key_action_id=key_action.pk,
        level_id=key_action.rubric.levels.first().pk,
        not_sure=False,
        evidence="",
    )
    return started.round


def _fits(page):
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def _rating_page_of(live_server, round_) -> re.Pattern[str]:
    """The rating page's address; on a phone it names the key action it shows (#ka-<id>)."""
    return re.compile(re.escape(live_server.url + reverse("assessments:rate", args=[round_.pk])) + r"(#ka-\d+)?$")


@pytest.mark.parametrize("width", [1280, 320])
def test_the_stakeholders_home_lists_their_rounds_and_continues_to_rating(
    page, live_server, stakeholder, rounds, width
):
    page.set_viewport_size({"width": width, "height": 900})
    login(page, live_server, stakeholder.email, PASSWORD)

    expect(page.get_by_role("heading", name="Your assessment rounds")).to_be_visible()
    expect(page.locator("li.card")).to_have_count(2)
    expect(page.get_by_role("progressbar")).to_have_count(2)
    buttons = page.locator("li.card a.btn")
    expect(buttons.nth(0)).to_contain_text("Start")
    expect(buttons.nth(1)).to_contain_text("Continue")
    for box in (buttons.nth(i).bounding_box() for i in range(2)):
        assert box is not None and box["height"] >= 44, box
    assert _fits(page), f"horizontal scroll at {width} px"
    assert_accessible(page, context=f"home page, stakeholder, {width} px")

    buttons.nth(1).click()
    expect(page).to_have_url(_rating_page_of(live_server, rounds))


def test_the_stakeholders_home_works_without_javascript(browser, live_server, stakeholder, rounds):
    context = browser.new_context(locale="en", java_script_enabled=False)
    try:
        page = context.new_page()
        login(page, live_server, stakeholder.email, PASSWORD)
        expect(page.locator("li.card")).to_have_count(2)
        page.get_by_role("link", name="Continue").click()
        expect(page).to_have_url(_rating_page_of(live_server, rounds))
    finally:
        context.close()
