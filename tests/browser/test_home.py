"""The home pages in a real browser, at 1280 and 320 px wide (no horizontal
scroll) and checked with axe: the stakeholder's open rounds with progress and
a button to the rating page (at least 44 px tall, and without JavaScript);
what waits for a facilitator; each of a lead's teams with its latest round."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from assessments.models import ActionPlan, ActionStep
from assessments.rating.services import rating_save
from assessments.rounds.services import round_open
from assessments.tests.factories import RoundFactory, invite
from assessments.tests.history_data import CAE, agree, closed_round, respond
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


@pytest.fixture
def waiting(org, lbc_rubrics):
    """Something in every section of a facilitator's home, and a team whose
    latest round moved since the one before it."""
    team = TeamFactory(organization=org, name="State Systemic Improvement Plan stakeholder team")
    open_round = RoundFactory(team=team, name="Winter check-in")
    round_open(round=open_round)
    invite(open_round)
    invite(open_round)
    RoundFactory(
        team=team,
        name="Spring",
        opens_at=timezone.now() + timedelta(days=20),
        closes_at=timezone.now() + timedelta(days=40),
    )
    before = closed_round(team, closed_at=timezone.now() - timedelta(days=200), name="Spring last year")
    respond(before, "Family", [{1: 1, 2: 3, 3: 2}], times=5)
    agree(before, 1, 2)
    rubric = before.rubrics.get(slug=CAE)
    plan = ActionPlan.objects.create(
        round=before, key_action=rubric.key_actions.get(position=1), target_level=rubric.levels.get(position=3)
    )
    ActionStep.objects.create(
        plan=plan,
        description="Hold two regional listening sessions with families in rural districts",
        owner="Grace Chen",
        due_date=timezone.localdate() - timedelta(days=9),
    )
    after = closed_round(team, closed_at=timezone.now() - timedelta(days=10), name="Fall")
    respond(after, "Family", [{1: 2, 2: 2, 3: 2}], times=5)
    # The lead's teams: one rating now, one whose latest round closed.
    lead_team = TeamFactory(organization=org, name="Early Childhood Transition Team")
    earlier = closed_round(lead_team, closed_at=timezone.now() - timedelta(days=120), name="Summer")
    respond(earlier, "Family", [{1: 1, 2: 3, 3: 2}], times=5)
    latest = closed_round(lead_team, closed_at=timezone.now() - timedelta(days=12), name="Fall")
    respond(latest, "Family", [{1: 2, 2: 2, 3: 2}], times=5)
    return team


@pytest.mark.parametrize("width", [1280, 320])
def test_the_facilitators_home_lists_what_waits(page, live_server, facilitator, waiting, width):
    page.set_viewport_size({"width": width, "height": 900})
    login(page, live_server, facilitator.email, PASSWORD)

    for heading in ("Open rounds", "Drafts not yet opened", "Closed rounds without consensus", "Action steps overdue"):
        expect(page.get_by_role("heading", name=heading, level=2)).to_be_visible()
    expect(page.get_by_role("progressbar")).to_have_count(1)
    expect(page.get_by_text("0 of 2 people invited have submitted")).to_be_visible()
    assert _fits(page), f"horizontal scroll at {width} px"
    assert_accessible(page, context=f"home page, facilitator, {width} px")

    page.get_by_role("link", name="Hold two regional listening sessions with families in rural districts").click()
    expect(page).to_have_url(re.compile(r"/rounds/\d+/plan/$"))


@pytest.mark.parametrize("width", [1280, 320])
def test_the_leads_home_shows_each_teams_latest_round(page, live_server, lead, waiting, width):
    page.set_viewport_size({"width": width, "height": 900})
    login(page, live_server, lead.email, PASSWORD)

    expect(page.get_by_role("heading", name="Your teams’ latest rounds", level=2)).to_be_visible()
    expect(page.get_by_role("heading", level=3)).to_have_count(2)
    expect(page.get_by_text("Results appear when the round closes.")).to_have_count(1)
    expect(page.get_by_text("Since Summer, by median:")).to_be_visible()
    assert _fits(page), f"horizontal scroll at {width} px"
    assert_accessible(page, context=f"home page, lead, {width} px")

    page.get_by_role("link", name="Overview of all teams").click()
    expect(page).to_have_url(live_server.url + reverse("assessments:overview"))
