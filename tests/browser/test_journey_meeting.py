"""Issue 12's journey in a real browser: a facilitator opens the projector
(1280×720), six phones join by the URL printed beside its QR code (five as
walk-ins, one invitee through their personal link, one phone in Spanish),
the room rates three key actions paced by the facilitator, each is revealed
at once, the first gets a consensus and a first step, and once the round
has closed the results page carries both. axe-core checks the projector and
the phone, in English and in Spanish; the strict CSP holds throughout.

With MEETING_SCREENSHOTS=<directory> set, the screens are saved there
(docs/screenshots/ holds the ones the closing note describes)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from assessments.invitations import tokens
from assessments.models import ActionStep, Consensus, Invitation, MeetingReveal, RoundStatus
from assessments.rating.services import rating_save, response_submit
from assessments.rounds.selectors import rubrics_to_rate
from assessments.rounds.services import round_close
from assessments.tests.results_helpers import cae_round, invite_to
from convening.models import StakeholderGroup
from convening.tests.factories import PASSWORD, UserFactory
from tests.browser.support import assert_accessible, login

pytestmark = pytest.mark.browser

SCREENSHOTS = os.environ.get("MEETING_SCREENSHOTS")
PHONE = {"width": 375, "height": 720}


def shot(page, name: str) -> None:
    if SCREENSHOTS:
        Path(SCREENSHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SCREENSHOTS) / f"{name}.png"))


@pytest.fixture
def meeting_round(lbc_rubrics, org):
    return cae_round(org, status=RoundStatus.OPEN, threshold=3, name="Spring 2027 check-in")


def _join(browser, live_server, join_url: str, *, group: str, locale: str = "en"):
    context = browser.new_context(locale=locale, viewport=PHONE)
    phone = context.new_page()
    phone.goto(join_url)
    # By the group's id: the label is in the phone's language.
    phone.locator(f'input[name="group"][value="{StakeholderGroup.objects.get(name=group).pk}"]').check()
    phone.locator("form", has=phone.locator('input[name="group"]')).locator('button[type="submit"]').click()
    expect(phone.locator("#phone-state")).to_be_visible()
    return phone


def _answer(phone, level_position: int) -> None:
    phone.locator(f"#phone-level-{level_position}").check()  # htmx posts the change at once
    expect(phone.locator("#phone-state [role=status]")).to_have_text(
        "Your answer is saved."
        if phone.evaluate("document.documentElement.lang") == "en"
        else "Su respuesta está guardada."
    )


def test_a_room_of_six_phones_rates_three_key_actions_together(browser, page, live_server, facilitator, meeting_round):
    invitee = UserFactory(name="Ines Invitee")
    invitation = invite_to(meeting_round, invitee, "Educator")
    page.set_viewport_size({"width": 1280, "height": 720})
    login(page, live_server, facilitator.email, PASSWORD)
    page.goto(live_server.url + reverse("assessments:round_detail", args=[meeting_round.pk]))
    page.get_by_role("button", name="Meet in the room: projector and phones").click()
    expect(page.locator(".room-code strong")).to_be_visible()
    join_url = page.locator(".room-url").inner_text().strip()
    assert join_url.startswith(live_server.url + "/m/")
    expect(page.locator(".room-count")).to_have_text("0 of 1 have rated this one")
    assert_accessible(page, "the projector before anyone answered")
    shot(page, "meeting-projector-1280x720")

    phones = [
        _join(browser, live_server, join_url, group=group)
        for group in ("Family", "Family", "Administrator", "Provider")
    ]
    phones.append(_join(browser, live_server, join_url, group="Family", locale="es"))
    link_context = browser.new_context(locale="en", viewport=PHONE)
    own = link_context.new_page()
    own.goto(
        live_server.url + reverse("assessments:link", args=[tokens.make_token(invitation.pk, invitation.token_nonce)])
    )
    own.goto(join_url)
    expect(own.locator("#phone-state")).to_be_visible()
    expect(own.get_by_text("Ines")).to_be_visible()
    phones.append(own)
    assert Invitation.objects.filter(walk_in_meeting__isnull=False).count() == 5
    assert_accessible(phones[0], "a phone in English")
    assert_accessible(phones[4], "a phone in Spanish")
    shot(phones[0], "meeting-phone-375")

    answers = {1: [2, 2, 3, 3, 2, 4], 2: [1, 2, 2, 2, 2, 2], 3: [3, 3, 3, 4, 3, 3]}
    # Each phone in its person's language: the Spanish one shows the rubric's Spanish translation, where the
    # database holds it (a browser test's database is emptied between tests, data migrations' rows included).
    (spanish,) = rubrics_to_rate(round=meeting_round, language="es")
    for position, levels in answers.items():
        title = meeting_round.rubrics.get().key_actions.get(position=position).title
        spanish_title = spanish.key_actions.all()[position - 1].title
        for phone in phones:
            shown = spanish_title if phone is phones[4] else title
            expect(phone.locator("#phone-state legend")).to_contain_text(shown, timeout=8000)
        for phone, level in zip(phones, levels, strict=True):
            _answer(phone, level)
        expect(page.locator(".room-count")).to_have_text("6 of 6 have rated this one", timeout=8000)
        assert page.locator(".room-chart").count() == 0  # nothing shown before the reveal
        page.get_by_role("button", name="Reveal", exact=True).click()
        expect(page.locator(".room-chart")).to_be_visible()
        for phone in phones:
            expect(phone.locator(".phone-figures .room-chart")).to_be_visible(timeout=8000)
        if position == 1:
            assert_accessible(page, "the projector after the reveal")
            assert_accessible(phones[4], "a Spanish phone after the reveal")
            shot(page, "meeting-projector-revealed-1280x720")
            page.set_viewport_size({"width": 1920, "height": 1080})
            shot(page, "meeting-projector-revealed-1920x1080")
            page.set_viewport_size({"width": 1280, "height": 720})
            shot(phones[0], "meeting-phone-revealed-375")
            page.locator("#consensus-level-3").check()
            page.get_by_label("Rationale").fill("Agendas go out a week ahead; families still miss them")
            page.get_by_label("First step (optional)").fill("Send agendas by text message too")
            page.get_by_label("Owner of the step").fill("Ana")
            page.get_by_role("button", name="Record").click()
            expect(page.locator(".room-consensus-shown")).to_be_visible()
        if position < 3:
            page.get_by_role("button", name="Next").click()

    assert MeetingReveal.objects.count() == 3
    record = Consensus.objects.get()
    assert record.rationale.startswith("Agendas go out") and ActionStep.objects.get().owner == "Ana"
    page.get_by_role("button", name="End the meeting").click()
    expect(page.get_by_text("The meeting has ended.")).to_be_visible()

    # Everyone finishes the round on their own afterwards; then it closes.
    rubric = meeting_round.rubrics.get()
    for each in Invitation.objects.filter(round=meeting_round):
        for key_action in rubric.key_actions.filter(position__gt=3):
            rating_save(
                invitation=each,
                key_action_id=key_action.pk,
                level_id=rubric.levels.get(position=2).pk,
                not_sure=False,
                evidence="",
            )
        response_submit(invitation=each)
    round_close(round=meeting_round)
    page.goto(live_server.url + reverse("assessments:results", args=[meeting_round.pk]))
    first = page.locator(f"#ka-{rubric.key_actions.get(position=1).pk}")
    expect(first).to_contain_text("Agendas go out a week ahead")
    expect(first).to_contain_text(record.level.name)
    for phone in phones:
        phone.context.close()
