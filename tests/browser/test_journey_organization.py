"""An agency from nothing to a lead signed in with two-factor sign-in, in Chromium at 1280 and 320 px, with
axe on every page: a site administrator starts the organization (create_organization), its facilitator sets
a password from the e-mailed link and turns on two-factor sign-in, invites a lead from the people page; the
lead sets a password from theirs, turns it on, signs out, signs in with password and code, and opens the
overview."""

import base64
import re

import pytest
from django.core.management import call_command
from django.urls import reverse
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import Page, expect

from convening.tests.factories import PASSWORD as LEAD_PASSWORD
from convening.tests.two_factor_support import with_device
from tests.browser.support import assert_accessible, login

pytestmark = pytest.mark.browser

PASSWORD = "a long pass phrase for the journey"
LINK = re.compile(r"https?://[^/\s]+(/accounts/invitation/[^/\s]+/)")


def _link_to(mailoutbox, email: str) -> str:
    (message,) = [message for message in mailoutbox if email in message.to]
    match = LINK.search(message.body)
    assert match, message.body
    return match.group(1)


def _fits(page: Page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def _check(page: Page, what: str, width: int) -> None:
    assert_accessible(page, context=f"{what}, {width} px")
    assert _fits(page), f"horizontal scroll on {what} at {width} px"


def _code_from(secret: str) -> str:
    return f"{TOTP(base64.b32decode(secret.replace(' ', ''))).token():06d}"


def _join(page: Page, live_server, link: str, name: str, width: int) -> None:
    """Follows an invitation's link and sets a password."""
    page.goto(live_server.url + link)
    _check(page, "the invitation", width)
    page.locator('input[name="name"]').fill(name)
    page.locator('input[name="password1"]').fill(PASSWORD)
    page.locator('input[name="password2"]').fill(PASSWORD)
    page.get_by_role("button", name="Set the password and join").click()
    expect(page.get_by_text("Welcome to Northern State Agency")).to_be_visible()


def _turn_on_two_factor(page: Page, live_server, width: int) -> None:
    page.goto(live_server.url + reverse("convening:profile"))
    page.get_by_role("link", name="Two-factor sign-in").click()
    _check(page, "two-factor sign-in, off", width)
    page.get_by_role("button", name="Set up two-factor sign-in").click()
    expect(page.get_by_role("heading", name="Set up two-factor sign-in")).to_be_visible()
    _check(page, "setting up two-factor sign-in", width)
    secret = page.locator("code.user-select-all").inner_text()
    page.locator('input[name="code"]').fill(_code_from(secret))
    page.get_by_role("button", name="Turn on").click()
    expect(page.get_by_role("heading", name="Your recovery codes")).to_be_visible()
    expect(page.locator("ul.recovery-codes li")).to_have_count(10)
    _check(page, "the recovery codes", width)
    page.get_by_role("link", name="I have kept them: continue").click()


def _log_out(page: Page) -> None:
    page.locator(f'form[action="{reverse("logout")}"] button').click()
    expect(page.get_by_role("heading", name="Log in")).to_be_visible()


@pytest.mark.parametrize("width", [1280, 320])
def test_a_new_agency_to_a_lead_signed_in_with_two_factor(page, live_server, mailoutbox, width):
    page.set_viewport_size({"width": width, "height": 900})
    call_command(
        "create_organization", "Northern State Agency", time_zone="America/Chicago", facilitator="fac@north.example.gov"
    )

    _join(page, live_server, _link_to(mailoutbox, "fac@north.example.gov"), "Fran Facilitator", width)
    _turn_on_two_factor(page, live_server, width)

    page.goto(live_server.url + reverse("convening:people"))
    _check(page, "the people page", width)
    # The invitation form, not the list's filter below it (which also has a role).
    invite = page.locator("form", has=page.locator('input[name="email"]'))
    invite.locator('input[name="email"]').fill("lead@north.example.gov")
    invite.get_by_role("radio", name="Lead").check()
    invite.get_by_role("button", name="Invite").click()
    expect(page.get_by_text("lead@north.example.gov").first).to_be_visible()
    _log_out(page)

    _join(page, live_server, _link_to(mailoutbox, "lead@north.example.gov"), "Lee Lead", width)
    _turn_on_two_factor(page, live_server, width)
    _log_out(page)
    # A code is taken once per 30 s step: the next sign-in's code is the app's next one, which the device
    # is told to take now rather than the test waiting for it.
    device = TOTPDevice.objects.get(user__email="lead@north.example.gov")
    TOTPDevice.objects.filter(pk=device.pk).update(last_t=-1)

    login(page, live_server, "lead@north.example.gov", PASSWORD)
    expect(page.get_by_role("heading", name="Your sign-in code")).to_be_visible()
    _check(page, "the sign-in code", width)
    page.locator('input[name="code"]').fill(f"{TOTP(device.bin_key).token():06d}")
    page.get_by_role("button", name="Continue").click()

    page.goto(live_server.url + reverse("assessments:overview"))
    expect(page).to_have_url(live_server.url + reverse("assessments:overview"))
    expect(page.locator("h1")).to_be_visible()
    _check(page, "the overview", width)


def test_a_wrong_code_at_sign_in_says_so_and_lets_nothing_through(page, live_server, lead):
    with_device(lead)
    login(page, live_server, lead.email, LEAD_PASSWORD)
    page.locator('input[name="code"]').fill("000000")
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("alert")).to_contain_text("That code is not right")
    assert_accessible(page, context="the sign-in code, refused")
    page.goto(live_server.url + reverse("convening:team_list"))
    expect(page.get_by_role("heading", name="Your sign-in code")).to_be_visible()
