"""Issue 4's journey in a real browser: once a round has closed, a
facilitator records the team's consensus and adds a step to the action plan;
a lead then reads the results, the team's history and the organization's
overview, and downloads the PDF report. Every page is checked with axe, and
the strict CSP holds throughout (conftest)."""

import re
import time
from datetime import UTC, date, datetime

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from assessments.models import ActionStep, Consensus, ReportExport, ReportStatus
from assessments.tests.history_data import agree, closed_round, respond
from convening.tests.factories import PASSWORD, TeamFactory
from tests.browser.support import assert_accessible, login

pytestmark = pytest.mark.browser

SPRING = datetime(2026, 3, 27, 21, tzinfo=UTC)
FALL = datetime(2026, 10, 9, 21, tzinfo=UTC)


def _answers(first: list[int | None], rest: dict[int, int]) -> list[dict[int, int | None]]:
    """One respondent per level of key action 1 (None: "Not sure"); the other
    key actions rated as `rest` says."""
    return [{1: level, **rest} for level in first]


@pytest.fixture
def team(lbc_rubrics, org):
    """A team with a spring and a fall round (the fall one without consensus
    yet), and a second team, so that the overview has two rows."""
    team = TeamFactory(organization=org, name="SSIP Stakeholder Team")
    spring = closed_round(team, closed_at=SPRING, name="Spring 2026")
    respond(spring, "Family", _answers([1, 2, 2, 2, 1, None], {2: 2, 3: 1, 4: 2, 5: 1}))
    respond(spring, "Educator", _answers([2, 2, 3, 2, 2], {2: 2, 3: 2, 4: 2, 5: 1}))
    respond(spring, "Advocate", _answers([1, 2], {2: 1, 3: 1, 4: 2, 5: 1}))
    for position, level in ((1, 2), (2, 2), (3, 1), (4, 2), (5, 1)):
        agree(spring, position, level)

    fall = closed_round(team, closed_at=FALL, name="Fall 2026")
    respond(fall, "Family", _answers([1, 3, 3, 4, 2, 3, None], {2: 2, 3: 2, 4: 3, 5: 2}))
    respond(fall, "Educator", _answers([3, 3, 4, 2, 3], {2: 3, 3: 2, 4: 3, 5: 2}))
    respond(fall, "Advocate", _answers([2, 3], {2: 2, 3: 2, 4: 2, 5: 1}))

    other = TeamFactory(organization=org, name="Early Childhood Transition Team")
    respond(
        closed_round(other, closed_at=FALL, name="Fall 2026"), "Family", _answers([2] * 6, {2: 1, 3: 2, 4: 3, 5: 2})
    )
    return team


def _visit(page, address: str, context: str) -> float:
    """Opens a page, checks it has its one heading and passes axe; returns
    how long it took to load."""
    started = time.perf_counter()
    page.goto(address)
    loaded = time.perf_counter() - started
    expect(page.get_by_role("heading", level=1)).to_have_count(1)
    assert_accessible(page, context=context)
    return loaded


def test_consensus_plan_history_overview_and_report(page, live_server, facilitator, lead, team, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    fall = team.rounds.get(name="Fall 2026")
    first = fall.rubrics.get().key_actions.get(position=1)
    results_address = live_server.url + reverse("assessments:results", args=[fall.pk])

    # The facilitator records what the team agreed for key action 1 …
    login(page, live_server, facilitator.email, PASSWORD)
    _visit(page, results_address, "results page, facilitator")
    block = page.locator(f"#consensus-{first.pk}")
    block.get_by_label("3. Collaborating").check()
    block.get_by_label("Rationale").fill("Most of us now work on the issue together")
    block.get_by_role("button", name="Record consensus").click()
    expect(block.get_by_role("status")).to_have_text("The consensus is recorded.")
    assert_accessible(page, context="results page after recording consensus")
    assert Consensus.objects.get(round=fall, key_action=first).level.position == 3

    # … and adds a step towards the next level on the action plan.
    page.get_by_role("link", name="Action plan").first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Action plan")
    assert_accessible(page, context="plan page")
    plan = page.locator(f"#plan-ka-{first.pk}")
    expect(plan).to_contain_text("4. Transforming")  # the suggested target: one above the consensus
    plan.locator("summary", has_text="Add a step").click()
    plan.get_by_label("Step").fill("Invite two district teams to co-lead the spring forum")
    plan.get_by_label("Owner").fill("Fran Facilitator")
    plan.get_by_label("Due date").fill("2027-03-15")
    plan.get_by_label("Status").select_option(label="In progress")
    plan.get_by_role("button", name="Add step").click()
    step_row = page.locator(f"#plan-ka-{first.pk}").get_by_role("row", name=re.compile("Invite two district teams"))
    expect(step_row).to_contain_text("In progress")
    assert_accessible(page, context="plan page after adding a step")
    step = ActionStep.objects.get(plan__round=fall)
    assert (step.owner, step.due_date) == ("Fran Facilitator", date(2027, 3, 15))

    # A lead reads the results …
    page.context.clear_cookies()
    login(page, live_server, lead.email, PASSWORD)
    loaded = _visit(page, results_address, "results page, lead")
    print(f"\nThe results page of a closed round loaded in {loaded:.2f} s")
    expect(page.locator(f"#consensus-{first.pk}")).to_contain_text("Collaborating")
    expect(page.get_by_role("button", name="Record consensus")).to_have_count(0)  # facilitators record it

    # … the team's history, where the fall consensus now shows …
    _visit(page, live_server.url + reverse("assessments:team_history", args=[team.pk]), "team history, lead")
    expect(page.get_by_role("heading", level=1)).to_contain_text("SSIP Stakeholder Team")
    expect(page.get_by_role("table").first).to_contain_text("Collaborating")

    # … the organization's overview, one row per team …
    page.get_by_role("link", name="Overview", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_count(1)
    assert_accessible(page, context="overview, lead")
    overview = page.get_by_role("table")
    expect(overview.get_by_role("rowheader")).to_have_text(["Early Childhood Transition Team", "SSIP Stakeholder Team"])

    # … and asks for the PDF report of the fall round, then downloads it.
    page.get_by_role("link", name="SSIP Stakeholder Team").click()
    fall_files = page.get_by_role("row", name=re.compile("^Fall 2026"))
    fall_files.get_by_role("link", name=re.compile("^PDF report")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Reports of Fall 2026")
    assert_accessible(page, context="report page, none yet")
    page.get_by_role("button", name="Make a PDF report").click()
    download_link = page.get_by_role("link", name=re.compile("^Download the PDF"))
    expect(download_link).to_be_visible(timeout=20_000)
    assert_accessible(page, context="report page, ready")
    with page.expect_download() as download_info:
        download_link.click()
    path = tmp_path / "report.pdf"
    download_info.value.save_as(path)
    assert path.read_bytes().startswith(b"%PDF")
    assert ReportExport.objects.get(round=fall).status == ReportStatus.DONE
