"""A facilitator closes a round early through its confirmation, which says who will not count, then reads
the change on the audit trail and filters it; at 1280 and 320 px, checked with axe."""

import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from assessments.rating.services import rating_save, response_submit
from assessments.rounds.services import round_open
from assessments.tests.factories import RoundFactory, answer_all, invite
from convening.tests.factories import PASSWORD, TeamFactory
from rubrics.models import KeyAction
from tests.browser.support import assert_accessible, login

pytestmark = pytest.mark.browser


@pytest.fixture
def round_under_way(org, facilitator, lbc_rubrics):
    round_ = RoundFactory(team=TeamFactory(organization=org, name="Early intervention team"), name="Winter check")
    round_open(round=round_, by=facilitator)
    done, part_way, _not_started = [invite(round_)[0] for _ in range(3)]
    answer_all(done)
    response_submit(invitation=done)
    key_action = KeyAction.objects.filter(rubric__round_rubrics__round=round_).first()
    rating_save(invitation=part_way, key_action_id=key_action.pk, level_id=None, not_sure=True, evidence="")
    return round_


def _fits(page):
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


@pytest.mark.parametrize("width", [1280, 320])
def test_closing_early_is_confirmed_then_found_on_the_audit_trail(
    page, live_server, facilitator, round_under_way, width
):
    page.set_viewport_size({"width": width, "height": 900})
    login(page, live_server, facilitator.email, PASSWORD)
    page.goto(live_server.url + reverse("assessments:round_detail", args=[round_under_way.pk]))

    page.get_by_role("link", name="Close the round now").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Close “Winter check” now?")
    consequences = page.get_by_role("region", name="What this will do")
    expect(consequences).to_contain_text("It closes early")
    expect(consequences).to_contain_text("1 person is part-way and will not count")
    expect(consequences).to_contain_text("1 person invited has not started")
    assert _fits(page)
    assert_accessible(page, context=f"confirmation of closing, {width} px")
    with page.expect_navigation():
        page.get_by_role("button", name="Close the round").click()
    expect(page.get_by_role("status")).to_contain_text("The round is closed.")

    page.goto(live_server.url + reverse("convening:team_list"))
    page.get_by_role("link", name="Audit trail: who changed what, and when").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Audit trail")
    events = page.get_by_role("list", name=re.compile(r"\d+ events")).get_by_role("listitem")
    expect(events.first).to_contain_text("Round closed")
    expect(events.first).to_contain_text(facilitator.email)
    assert_accessible(page, context=f"audit trail, {width} px")

    page.get_by_label("What").select_option(label="Round opened")
    with page.expect_navigation():
        page.get_by_role("button", name="Show").click()
    events = page.get_by_role("list", name="1 event").get_by_role("listitem")
    expect(events).to_have_count(1)
    expect(events).to_contain_text("Winter check · 0 invitations sent")
    assert _fits(page)
    assert_accessible(page, context=f"audit trail filtered, {width} px")
