"""The header at 1280 px for a person in five organizations, whose names are
long: one row, no horizontal scroll, and the organization switcher a menu
that opens and switches without JavaScript."""

import pytest
from django.urls import reverse

from convening.models import Role
from convening.tests.factories import PASSWORD, MembershipFactory, OrganizationFactory
from tests.browser.conftest import ARTIFACTS
from tests.browser.support import assert_accessible, login

pytestmark = pytest.mark.browser

NAMES = [
    "Department of Early Learning and Family Services",
    "State Board of Education, Office of Special Education Programs",
    "Interagency Coordinating Council for Early Intervention",
    "Parent Training and Information Center of the Northern Region",
]


@pytest.fixture
def five_organizations(facilitator):
    for name in NAMES:
        MembershipFactory(user=facilitator, organization=OrganizationFactory(name=name), role=Role.LEAD)
    return facilitator


def _one_row(page) -> bool:
    """Whether the header's items sit on one row: every one starts above where every other ends."""
    return page.evaluate(
        """() => {
            const boxes = [...document.querySelector('.site-header nav').children]
                .map(child => child.getBoundingClientRect());
            return Math.max(...boxes.map(box => box.top)) < Math.min(...boxes.map(box => box.bottom));
        }"""
    )


@pytest.mark.parametrize("javascript", [True, False])
def test_the_header_stays_one_row_and_switches_organizations(browser, live_server, five_organizations, javascript):
    context = browser.new_context(locale="en", java_script_enabled=javascript, viewport={"width": 1280, "height": 800})
    page = context.new_page()
    try:
        login(page, live_server, five_organizations.email, PASSWORD)
        page.goto(live_server.url + reverse("convening:team_list"))
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=ARTIFACTS / f"header-five-organizations-1280{'' if javascript else '-no-js'}.png")

        assert _one_row(page)
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        menu = page.locator(".site-header details.org-menu")
        assert not menu.locator("button").first.is_visible()
        if javascript:
            assert_accessible(page, "header, menu closed")
        menu.locator("summary").click()
        assert menu.locator("button").count() == 5
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        if javascript:
            assert_accessible(page, "header, menu open")
        with page.expect_navigation():
            menu.get_by_role("button", name=NAMES[2]).click()

        assert page.url == live_server.url + reverse("convening:team_list")
        assert NAMES[2] in page.locator(".site-header summary").inner_text()
        assert _one_row(page)
    finally:
        context.close()
