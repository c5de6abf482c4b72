"""The registry of export formats: each is one entry, with its own address
(or, when a worker makes it, the report page), type and file name, and the
round page, the report page and the team history list the same files."""

from datetime import UTC, datetime

import pytest
from django.urls import reverse

from assessments.models import ReportKind
from assessments.reports.registry import FORMATS
from assessments.tests.history_data import closed_round, respond
from convening.tests.factories import TeamFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def round_(org):
    round_ = closed_round(TeamFactory(organization=org), closed_at=datetime(2027, 3, 1, tzinfo=UTC), name="Fall")
    respond(round_, "Family", [{1: 2}] * 5)
    return round_


def test_each_file_made_on_request_answers_its_own_type_and_name(client, lead, round_):
    client.force_login(lead)
    on_request = [entry for entry in FORMATS.values() if not entry.background]
    assert {entry.kind for entry in on_request} == {"results_csv", "ratings_csv", "results_xlsx"}
    for entry in on_request:
        response = client.get(reverse(entry.url_name, args=[round_.pk]))
        assert response.status_code == 200, entry.kind
        assert response["Content-Type"] == entry.content_type
        assert response["Content-Disposition"] == f'attachment; filename="{entry.download_name(round_)}"'


def test_the_pdf_is_made_in_the_background_and_linked_to_its_page():
    entry = FORMATS[ReportKind.ROUND_PDF]
    assert entry.background
    assert entry.url_name == "assessments:round_report"


@pytest.mark.parametrize("page", ["round_detail", "round_report", "team_history"])
def test_every_page_lists_every_file_once(client, lead, round_, page):
    client.force_login(lead)
    args = [round_.team_id] if page == "team_history" else [round_.pk]
    html = client.get(reverse(f"assessments:{page}", args=args)).content.decode()
    for entry in FORMATS.values():
        assert html.count(f'href="{reverse(entry.url_name, args=[round_.pk])}"') >= 1, (page, entry.kind)
    assert html.count("Workbook (Excel)") == 1
