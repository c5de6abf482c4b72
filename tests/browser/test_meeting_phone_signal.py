"""A phone in the room with a weak signal or without JavaScript (issue 12,
item 8): an answer given offline stays on screen, is not lost when the room
moves on meanwhile, and is stored as given once the connection is back;
changes made in a row are stored in their order (the last one stands);
without JavaScript the phone answers by its button, says that it does not
follow the screen by itself, and the full rating page is one link away."""

from __future__ import annotations

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from assessments.meeting.services import meeting_go, meeting_start
from assessments.models import Invitation, Meeting, Rating, RoundStatus
from assessments.tests.results_helpers import cae_round, key_action, level
from convening.models import StakeholderGroup
from tests.browser.support import go_offline, go_online

pytestmark = pytest.mark.browser

PHONE = {"width": 320, "height": 640}


@pytest.fixture
def meeting(lbc_rubrics, org, facilitator) -> Meeting:
    round_ = cae_round(org, status=RoundStatus.OPEN, threshold=3)
    return meeting_start(round=round_, by=facilitator)


@pytest.fixture
def walk_in(browser, live_server):
    """Joins the meeting as a walk-in on a new phone; the phones are closed
    before the database is emptied (one still polling would hold it)."""
    opened = []

    def join(meeting, **options):
        context = browser.new_context(viewport=PHONE, **options)
        opened.append(context)
        phone = context.new_page()
        phone.goto(live_server.url + reverse("assessments:meeting_join", args=[meeting.code]))
        phone.locator(f'input[name="group"][value="{StakeholderGroup.objects.get(name="Family").pk}"]').check()
        phone.locator("form", has=phone.locator('input[name="group"]')).locator('button[type="submit"]').click()
        expect(phone.locator("#phone-state")).to_be_visible()
        return phone

    yield join
    for context in opened:
        context.close()


def _stored(meeting):
    invitation = Invitation.objects.get(walk_in_meeting=meeting)
    return Rating.objects.filter(response__invitation=invitation, key_action=key_action(meeting.round)).first()


def test_an_answer_given_offline_is_kept_on_screen_and_stored_once_back(walk_in, meeting):
    phone = walk_in(meeting)
    status = phone.locator("[data-answer-status]")
    expect(phone.get_by_text("Without JavaScript")).to_have_count(0)

    go_offline(phone.context)
    phone.locator("#phone-level-2").check()
    expect(status).to_contain_text("No connection: your answer is kept on this phone")
    assert _stored(meeting) is None
    # The facilitator moves on while the phone is offline: its polls fail, and once one
    # succeeds, the answer still waiting is not redrawn away.
    meeting_go(meeting=meeting, position=1, key_action_count=9)
    phone.wait_for_timeout(3500)
    expect(phone.locator("#phone-level-2")).to_be_checked()

    go_online(phone.context)
    first = key_action(meeting.round)
    expect(phone.locator(".alert-success")).to_have_text(
        f"Your answer to 1. {first.title} is saved. The room has moved on:", timeout=25000
    )
    stored = _stored(meeting)
    assert stored is not None and stored.level == level(meeting.round, 2)
    # Confirmed: the room's screen takes over again.
    expect(phone.locator("legend")).to_contain_text(f"2. {key_action(meeting.round, 2).title}")
    assert phone.evaluate("Object.keys(localStorage).filter((key) => key.startsWith('convening:rating:'))") == []


def test_changes_in_a_row_are_stored_in_their_order(walk_in, meeting):
    phone = walk_in(meeting)
    for position in (1, 3, 4, 2):
        phone.locator(f"#phone-level-{position}").check()
    expect(phone.locator("[data-answer-status]")).to_have_text("Your answer is saved.")
    expect(phone.locator("#phone-level-2")).to_be_checked()
    stored = _stored(meeting)
    assert stored.level == level(meeting.round, 2)
    assert stored.level_version >= 2  # each change was written over the one before it


def test_an_answer_left_waiting_is_sent_by_the_full_rating_page(walk_in, live_server, meeting):
    # Without the rating page's service worker, whose copy of the page could still be on its way at the end.
    phone = walk_in(meeting, service_workers="block")
    go_offline(phone.context)
    phone.locator("#phone-level-3").check()
    expect(phone.locator("[data-answer-status]")).to_contain_text("No connection")

    phone.route("**/m/**/answer/", lambda route: route.abort())  # the phone's own retries keep failing
    go_online(phone.context)
    assert _stored(meeting) is None
    phone.goto(live_server.url + reverse("assessments:rate", args=[meeting.round_id]))
    expect(phone.locator(f"#ka-{key_action(meeting.round).pk}-level-3")).to_be_checked()
    saved = phone.locator(f'fieldset[data-key-action="{key_action(meeting.round).pk}"] .save-status-saved')
    expect(saved).to_have_text("Saved", timeout=10000)
    assert _stored(meeting).level == level(meeting.round, 3)


def test_without_javascript_the_phone_answers_by_its_button(walk_in, meeting):
    phone = walk_in(meeting, java_script_enabled=False)
    expect(phone.get_by_text("Without JavaScript this page does not follow the screen")).to_be_visible()

    phone.locator("#phone-level-4").check()
    phone.get_by_role("button", name="Save my answer").click()
    expect(phone.locator(".messages")).to_contain_text("Your answer is saved.")
    expect(phone.locator("#phone-level-4")).to_be_checked()
    assert _stored(meeting).level == level(meeting.round, 4)

    phone.get_by_role("link", name="Open every key action on the full rating page").click()
    expect(phone.locator(f"#ka-{key_action(meeting.round).pk}-level-4")).to_be_checked()
