"""Journey of issue 3 in a real browser: a facilitator creates a round, opens
it and invites three people from a pasted list; each invitee opens the
personal link from their e-mail in a browser of their own (no login), rates
every key action with the keyboard only — autosaved by htmx — reloads, and
submits; the facilitator then sees 3 of 3 submitted.

One invitee rates in Spanish, one on a 320 px wide screen. Every page is
checked with axe, and the strict CSP holds in every browser context.

The autosave round trip (key press → "Saved" shown) is measured in the page
and printed, never asserted (`pytest -s` shows it)."""

import re
import statistics
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from assessments.models import Invitation, Rating, Response, Round, RoundStatus
from convening.tests.factories import PASSWORD, TeamFactory
from tests.browser.conftest import ARTIFACTS, console_key, report_key
from tests.browser.support import assert_accessible, login

pytestmark = pytest.mark.browser

ZONE = "America/Chicago"
LOCAL_INPUT = "%Y-%m-%dT%H:%M"
RUBRIC = "Creating Active Engagement"
NOT_SURE = "not sure"
EVIDENCE = "We met monthly with families and educators."
PHONE_WIDTH = 768  # Bootstrap's md breakpoint: below it the rating page shows one key action at a time


@dataclass(frozen=True)
class Invitee:
    name: str
    email: str
    group: str
    # Per key action in order: a level position (1–4) or NOT_SURE.
    levels: tuple
    language: str = "en"
    width: int = 1280


INVITEES = [
    Invitee("Maria López", "maria.lopez@example.org", "Family", (1, 2, 3, 4, 2)),
    Invitee("Sam Lee", "sam.lee@example.org", "Educator", (2, NOT_SURE, 3, 3, 1), width=320),
    Invitee("Ana Ruiz", "ana.ruiz@example.org", "Administrator", (3, 3, 2, 4, 4), language="es"),
]

# The words each invitee reads; the Spanish ones come from locale/es.
WORDS = {
    "en": {
        "saved": "Saved",
        "next": "Next",
        "not_sure": "Not sure",
        "rated": "{rated} of {total} rated",
        "submit": "Submit my ratings",
        "submitted": "Submitted",
        "thanks": "Thank you! Your ratings are submitted.",
    },
    "es": {
        "saved": "Guardado",
        "next": "Siguiente",
        "not_sure": "No estoy seguro/a",
        "rated": "{rated} de {total} calificadas",
        "submit": "Enviar mis calificaciones",
        "submitted": "Enviado",
        "thanks": "¡Gracias! Sus calificaciones se enviaron.",
    },
}

# Installed in the page (through the DevTools protocol, so the page's CSP is
# untouched) just before a key press: resolves with the milliseconds from that
# key press to the moment the fieldset's status shows a successful save.
WATCH_SAVE = """(statusId) => {
  const status = document.getElementById(statusId);
  window.__saveTime = new Promise((resolve) => {
    let start = null;
    document.addEventListener("keydown", () => { start = performance.now(); }, { capture: true, once: true });
    const observer = new MutationObserver(() => {
      if (start !== null && status.querySelector(".text-success")) {
        observer.disconnect();
        resolve(performance.now() - start);
      }
    });
    observer.observe(status, { childList: true, subtree: true, characterData: true });
  });
}"""


@pytest.fixture
def team(lbc_rubrics, org):
    org.time_zone = ZONE
    org.save(update_fields=["time_zone"])
    return TeamFactory(organization=org, name="SSIP stakeholder team")


@pytest.fixture
def new_page(browser, page, request):
    """Pages in fresh browser contexts (no cookies: nobody logged in). Their
    console goes where the harness looks for CSP violations; on failure each
    one leaves a screenshot in test-artifacts/. (It asks for `page` so that
    the harness's console list exists before this one joins it.)"""
    console = request.node.stash[console_key]
    contexts = []

    def make(label: str, *, locale: str = "en", width: int = 1280):
        context = browser.new_context(locale=locale, viewport={"width": width, "height": 900})
        contexts.append((label, context))
        page = context.new_page()
        page.on("console", lambda message: console.append(f"[{label}] {message.type}: {message.text}"))
        page.on("pageerror", lambda error: console.append(f"[{label}] pageerror: {error}"))
        return page

    yield make
    report = request.node.stash.get(report_key, {}).get("call")
    for label, context in contexts:
        if report is not None and report.failed and context.pages:
            ARTIFACTS.mkdir(exist_ok=True)
            name = re.sub(r"[^\w.-]+", "_", f"{request.node.nodeid}-{label}")
            context.pages[0].screenshot(path=ARTIFACTS / f"{name}.png", full_page=True)
        context.close()


def _local(moment: datetime) -> str:
    return moment.astimezone(ZoneInfo(ZONE)).strftime(LOCAL_INPUT)


def _is_focused(locator) -> bool:
    return locator.evaluate("element => element === document.activeElement")


def _tab_to(page, target, limit: int = 80) -> None:
    """Presses Tab until `target` has the focus, as a keyboard user would."""
    for _press in range(limit):
        page.keyboard.press("Tab")
        if _is_focused(target):
            return
    raise AssertionError(f"{target} cannot be reached with Tab")


def _fits_the_width(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def _keys_for(level) -> list[str]:
    """From the first radio of a fieldset (focused, none checked), the keys
    that choose `level`; every key changes the choice, so every key saves.
    Level 2 overshoots and comes back, to use ArrowUp too; ArrowUp from the
    first radio wraps round to the last one, "Not sure"."""
    if level == NOT_SURE:
        return ["ArrowUp"]
    if level == 1:
        return ["Space"]
    if level == 2:
        return ["ArrowDown", "ArrowDown", "ArrowUp"]
    return ["ArrowDown"] * (level - 1)


def _radio_id(key_action_pk: int, level) -> str:
    return f"#ka-{key_action_pk}-level-" + ("not-sure" if level == NOT_SURE else str(level))


def _press_and_wait_for_save(page, key: str, key_action_pk: int, saved_word: str) -> float:
    status = page.locator(f"#status-{key_action_pk}")
    page.evaluate(WATCH_SAVE, f"status-{key_action_pk}")
    page.keyboard.press(key)
    elapsed = page.evaluate("window.__saveTime")
    expect(status).to_have_text(saved_word)
    return elapsed


def _rate(page, live_server, invitee: Invitee, link_path: str, key_action_pks: list[int], save_times: list[float]):
    words = WORDS[invitee.language]
    total = len(key_action_pks)
    page.goto(live_server.url + link_path)
    # The token is exchanged for a session and leaves the address at once.
    token = link_path.rstrip("/").rsplit("/", 1)[-1]
    assert token not in page.url
    assert urlsplit(page.url).path.endswith("/rate/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("SSIP stakeholder team")

    if invitee.language != "en":
        header = page.get_by_role("banner")
        header.get_by_label("Language").select_option(invitee.language)
        with page.expect_navigation():
            header.get_by_role("button", name="Change language").click()
        expect(page.locator("html")).to_have_attribute("lang", invitee.language)
    expect(page.locator("#progress")).to_contain_text(words["rated"].format(rated=0, total=total))
    expect(page.get_by_label(words["not_sure"])).to_have_count(total)
    assert_accessible(page, context=f"rating page of {invitee.name} ({invitee.language}), before answering")

    # Keyboard only: the first radio group gets the focus; from then on Tab
    # leads from a group to its evidence box and on to the next group.
    page.locator(_radio_id(key_action_pks[0], 1)).focus()
    for index, (key_action_pk, level) in enumerate(zip(key_action_pks, invitee.levels, strict=True)):
        first_radio = page.locator(_radio_id(key_action_pk, 1))
        if index:
            if invitee.width < PHONE_WIDTH:
                # A phone shows one key action at a time (static/js/rate-steps.js): Tab on to
                # Next and press it; the focus lands on the next key action's legend.
                _tab_to(page, page.locator("#step-nav").get_by_role("button", name=words["next"], exact=True))
                page.keyboard.press("Enter")
                expect(page.locator(f"#ka-{key_action_pk} > legend")).to_be_focused()
            page.keyboard.press("Tab")  # to this fieldset's radio group
        expect(first_radio).to_be_focused()
        # One key at a time, each save awaited before the next key.
        save_times.extend(
            _press_and_wait_for_save(page, key, key_action_pk, words["saved"]) for key in _keys_for(level)
        )
        expect(page.locator(_radio_id(key_action_pk, level))).to_be_checked()
        expect(page.locator("#progress")).to_contain_text(words["rated"].format(rated=index + 1, total=total))
        page.keyboard.press("Tab")  # to the evidence box
        evidence = page.locator(f"#ka-{key_action_pk}-evidence")
        expect(evidence).to_be_focused()
        if index == 1:
            field = f"ka-{key_action_pk}-evidence"
            with page.expect_response(
                lambda response, pk=key_action_pk, field=field: (
                    response.url.endswith(f"/rate/{pk}/")
                    and parse_qs(response.request.post_data or "").get(field) == [EVIDENCE]
                )
            ) as saved:
                page.keyboard.type(EVIDENCE)
            assert saved.value.ok
            expect(page.locator(f"#status-{key_action_pk}")).to_have_text(words["saved"])
    assert_accessible(page, context=f"rating page of {invitee.name} ({invitee.language}), every key action answered")

    # Everything is still there after a reload.
    page.reload()
    for key_action_pk, level in zip(key_action_pks, invitee.levels, strict=True):
        expect(page.locator(_radio_id(key_action_pk, level))).to_be_checked()
    expect(page.locator(f"#ka-{key_action_pks[1]}-evidence")).to_have_value(EVIDENCE)
    expect(page.locator("#progress")).to_contain_text(words["rated"].format(rated=total, total=total))

    if invitee.width <= 320:
        assert _fits_the_width(page), f"the rating page overflows a {invitee.width} px screen"
        assert_accessible(page, context=f"rating page at {invitee.width} px")

    # Submitting with the keyboard: Tab to the button, Enter.
    submit = page.get_by_role("button", name=words["submit"])
    _tab_to(page, submit)
    expect(submit).to_be_in_viewport()
    box = submit.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= invitee.width
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page.get_by_role("status").filter(has_text=words["thanks"])).to_be_visible()
    expect(page.get_by_role("button", name=words["submitted"], exact=True)).to_be_disabled()
    assert_accessible(page, context=f"rating page of {invitee.name} after submitting")


def test_a_round_from_creation_to_three_submissions(page, new_page, live_server, facilitator, team, mailoutbox):
    # The facilitator creates the round through the form; dates are typed in the organization's time zone.
    login(page, live_server, facilitator.email, PASSWORD)
    page.goto(live_server.url + reverse("assessments:round_create", args=[team.pk]))
    expect(page.get_by_role("heading", level=1)).to_have_text(f"New round for {team.name}")
    expect(page.get_by_text(f"Dates and times are in the organization’s time zone, {ZONE}.")).to_be_visible()
    assert_accessible(page, context="new round form")
    opens = datetime.now(tz=ZoneInfo(ZONE)).replace(second=0, microsecond=0) - timedelta(hours=1)
    closes = opens + timedelta(days=14)
    page.get_by_label("Name").fill("Spring 2027")
    page.get_by_label(RUBRIC).check()
    page.get_by_label("Opens at").fill(_local(opens))
    page.get_by_label("Closes at").fill(_local(closes))
    expect(page.get_by_label("Anonymity threshold (k)")).to_have_value("5")
    page.get_by_label("Invite all team members now").uncheck()
    with page.expect_navigation():
        page.get_by_role("button", name="Create the round").click()

    round_ = Round.objects.get(team=team)
    assert (round_.name, round_.status) == ("Spring 2027", RoundStatus.DRAFT)
    assert (round_.opens_at, round_.closes_at) == (opens, closes)
    assert page.url == live_server.url + reverse("assessments:round_detail", args=[round_.pk])
    expect(page.get_by_role("status")).to_contain_text("The round “Spring 2027” is created, with 0 people invited.")
    expect(page.get_by_role("heading", level=1)).to_have_text("Spring 2027")
    expect(page.get_by_role("definition").filter(has_text=ZONE)).to_be_visible()
    assert_accessible(page, context="round page, draft")

    # Opened by hand, then three people invited from a pasted list: preview, then confirm.
    page.get_by_role("link", name="Open the round now").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Open “Spring 2027” now?")
    expect(page.get_by_role("region", name="What this will do")).to_contain_text("Nobody is invited yet")
    assert_accessible(page, context="confirmation of opening the round")
    with page.expect_navigation():
        page.get_by_role("button", name="Open the round").click()
    expect(page.get_by_role("status")).to_contain_text("The round is open.")
    page.get_by_role("link", name="Invite people").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Invite people to “Spring 2027”")
    assert_accessible(page, context="invitations page")
    pasted = "\n".join(f"{person.name},{person.email},{person.group}" for person in INVITEES)
    page.get_by_label("Paste the list").fill(pasted)
    with page.expect_navigation():
        page.get_by_role("button", name="Preview").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check the list for “Spring 2027”")
    expect(page.get_by_text("3 people will be invited.")).to_be_visible()
    for person in INVITEES:
        expect(page.get_by_role("table").get_by_text(person.email)).to_be_visible()
    assert not Invitation.objects.exists()  # a preview saves nothing
    assert_accessible(page, context="invitations preview")
    with page.expect_navigation():
        page.get_by_role("button", name="Invite 3 people").click()
    expect(page.get_by_role("status")).to_contain_text("3 people are invited.")

    # The e-mails went out at once (the round is open): one personal link each.
    invitations = [message for message in mailoutbox if "You are invited" in message.subject]
    assert sorted(message.to[0] for message in invitations) == sorted(person.email for person in INVITEES)
    links = {}
    for message in invitations:
        match = re.search(r"https?://\S+?(/r/[^/\s]+/)", message.body)
        assert match, message.body
        links[message.to[0]] = match.group(1)

    key_action_pks = list(
        round_.rubrics.get(title=RUBRIC).key_actions.order_by("position").values_list("pk", flat=True)
    )
    save_times: list[float] = []
    for invitee in INVITEES:
        participant = new_page(invitee.email, locale="en", width=invitee.width)
        _rate(participant, live_server, invitee, links[invitee.email], key_action_pks, save_times)

    # What was stored is what was chosen.
    for invitee in INVITEES:
        response = Response.objects.get(invitation__user__email=invitee.email)
        assert response.submitted_at is not None
        ratings = Rating.objects.filter(response=response).select_related("level", "key_action")
        stored = {rating.key_action_id: NOT_SURE if rating.not_sure else rating.level.position for rating in ratings}
        assert stored == dict(zip(key_action_pks, invitee.levels, strict=True))
    assert Rating.objects.filter(not_sure=True).count() == 1
    assert Rating.objects.exclude(evidence="").count() == len(INVITEES)

    # The facilitator's round page: 3 of 3 submitted.
    page.goto(live_server.url + reverse("assessments:round_detail", args=[round_.pk]))
    progress = page.get_by_role("table", name=re.compile("People invited, per stakeholder group"))
    total = progress.locator("tfoot tr")
    # invited, started, submitted, revoked, on paper
    expect(total.get_by_role("cell")).to_have_text(["3", "3", "3", "0", "0"])
    people = page.get_by_role("table", name=re.compile("Everyone invited"))
    for person in INVITEES:
        expect(people.get_by_role("row", name=re.compile(re.escape(person.name)))).to_contain_text("Submitted")
    assert_accessible(page, context="round page, everyone submitted")

    median, longest = statistics.median(save_times), max(save_times)
    print(
        f"\nAutosave round trip (key press → “Saved” shown), {len(save_times)} saves: "
        f"median {median:.0f} ms, max {longest:.0f} ms"
    )
