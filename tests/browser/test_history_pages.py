"""The history, overview and report pages in a real browser: accessibility
(axe), the strict CSP, a 320 px wide screen, and the report's status polled
by htmx until its download link appears."""

from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from assessments.models import ReportExport
from assessments.reports.tasks import build_round_report
from assessments.tests.history_data import agree, closed_round, respond
from convening.tests.factories import PASSWORD, TeamFactory
from tests.browser.support import assert_accessible, login

pytestmark = pytest.mark.browser

JAN = datetime(2027, 1, 15, tzinfo=UTC)


@pytest.fixture
def team(lbc_rubrics, org):
    team = TeamFactory(organization=org, name="SSIP stakeholder team")
    for index, levels in enumerate(([1, 2, 2], [2, 3, 3, 4], [2, 2, 3, 3])):
        round_ = closed_round(team, closed_at=JAN + timedelta(days=180 * index), name=f"Round {index + 1}")
        respond(round_, "Family", [{1: level, 2: 2, 3: 3} for level in levels])
        agree(round_, 1, 2 + index % 2)
    return team


def fits_the_width(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


@pytest.mark.parametrize("width", [1280, 320])
def test_history_and_overview_are_accessible(page, live_server, lead, team, width):
    page.set_viewport_size({"width": width, "height": 900})
    login(page, live_server, lead.email, PASSWORD)
    for address in (reverse("assessments:team_history", args=[team.pk]), reverse("assessments:overview")):
        page.goto(live_server.url + address)
        expect(page.get_by_role("heading", level=1)).to_have_count(1)
        assert fits_the_width(page), address
        assert_accessible(page, context=f"{address} at {width} px")
    page.get_by_label("Rubric").select_option(label="Creating Active Engagement")
    page.get_by_role("button", name="Show").click()
    expect(page.get_by_role("table")).to_have_count(1)


def test_the_report_page_polls_until_the_pdf_is_ready(page, live_server, facilitator, team, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    round_ = team.rounds.order_by("-closed_at").first()
    report = ReportExport.objects.create(round=round_, requested_by=facilitator)
    login(page, live_server, facilitator.email, PASSWORD)
    page.goto(live_server.url + reverse("assessments:round_report", args=[round_.pk]))
    expect(page.get_by_role("progressbar")).to_have_count(1)
    assert_accessible(page, context="report page, waiting")

    build_round_report(report.pk)

    # No reload: htmx swaps the status in within its two-second poll.
    expect(page.get_by_role("link", name="Download the PDF")).to_be_visible(timeout=6000)
    expect(page.get_by_role("progressbar")).to_have_count(0)
    assert_accessible(page, context="report page, done")
