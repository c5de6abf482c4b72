import pytest
from django.urls import reverse
from playwright.sync_api import expect

from convening.tests.factories import PASSWORD
from tests.browser.support import assert_accessible, login

pytestmark = pytest.mark.browser


def test_facilitator_logs_in_and_reaches_home(page, live_server, facilitator):
    page.goto(live_server.url + reverse("login"))
    expect(page.get_by_role("heading", name="Log in")).to_be_visible()
    assert_accessible(page, context="login page, anonymous")

    login(page, live_server, facilitator.email, PASSWORD)

    assert page.url == live_server.url + reverse("home")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()
    assert_accessible(page, context="home page, facilitator")
