import re
from datetime import UTC, datetime, timedelta

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone

from assessments.models import ActionPlan, ActionStep, ReportExport, ReportStatus
from assessments.planning.selectors import round_action_plans
from assessments.reports import pdf
from assessments.reports.pdf import report_html
from assessments.reports.registry import REPORT_PAGE_RENDERED
from assessments.reports.services import report_request
from assessments.reports.tasks import build_round_report
from assessments.results.computation import round_results
from assessments.tests.history_data import BSD, CAE, agree, closed_round, lbc, respond
from convening.tests.factories import TeamFactory

pytestmark = pytest.mark.django_db

CLOSED = datetime(2027, 3, 1, tzinfo=UTC)


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def round_(org):
    round_ = closed_round(
        TeamFactory(organization=org, name="SSIP team"), closed_at=CLOSED, rubrics=[lbc(CAE), lbc(BSD)]
    )
    respond(round_, "Family", [{1: 1, 2: 2}, {1: 2, 2: 3}, {1: 3}, {1: 3}, {1: None}])
    respond(round_, "Advocate", [{1: 4}, {1: 4}])  # under k: hidden
    respond(round_, "Family", [{1: 2}] * 5, slug=BSD)
    agree(round_, 1, 3)
    plan = ActionPlan.objects.create(
        round=round_, key_action=lbc(CAE).key_actions.get(position=1), target_level=lbc(CAE).levels.get(position=4)
    )
    ActionStep.objects.create(plan=plan, description="Invite families to co-chair", owner="Ana")
    return round_


@pytest.fixture
def report(round_, facilitator):
    return ReportExport.objects.create(round=round_, requested_by=facilitator)


@pytest.fixture
def done(report):
    """A finished report, its file written directly (the download does not
    care how it was made; the tests above make real ones)."""
    report.file.save("done.pdf", ContentFile(b"%PDF-1.7 made earlier"), save=False)
    report.status, report.progress = ReportStatus.DONE, 100
    report.save()
    return report


def test_the_print_page_has_the_results_charts_tables_and_plan(round_):
    html = report_html(round_results(round=round_), round_action_plans(round=round_))
    assert html.count('role="img"') == 9  # a stacked bar per key action, as on the results page
    assert "Creating Active Engagement" in html and "Building Support through Data" in html
    assert "Invite families to co-chair" in html
    assert "Not shown: fewer than 5 responses." in html  # Advocate
    assert "<script" not in html and "<link" not in html  # nothing to fetch


def test_the_task_makes_a_pdf_and_reaches_100(report, media):
    assert build_round_report(report.pk) is True

    report.refresh_from_db()
    assert (report.status, report.progress, report.error) == (ReportStatus.DONE, 100, "")
    assert report.finished_at is not None
    assert report.file.name.startswith("reports/")
    content = (media / report.file.name).read_bytes()
    assert content.startswith(b"%PDF") and len(content) > 5000


def test_a_done_report_is_not_made_again(report, monkeypatch):
    build_round_report(report.pk)
    report.refresh_from_db()
    made = report.file.name

    monkeypatch.setattr(pdf, "html_to_pdf", lambda html: pytest.fail("made twice"))
    assert build_round_report(report.pk) is False  # a redelivered task

    report.refresh_from_db()
    assert (report.status, report.file.name) == (ReportStatus.DONE, made)


def test_a_redelivered_task_takes_over_a_running_report_once_its_worker_is_past_the_time_limit(report, settings):
    # Within the limit its worker may still be on it: test_stuck.py.
    past_the_limit = timezone.now() - timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT + 1)
    ReportExport.objects.filter(pk=report.pk).update(
        status=ReportStatus.RUNNING, progress=30, heartbeat_at=past_the_limit
    )
    assert build_round_report(report.pk) is True
    report.refresh_from_db()
    assert report.status == ReportStatus.DONE


def test_a_failure_is_recorded(report, monkeypatch):
    seen = []

    def broken(html):
        seen.append(ReportExport.objects.get(pk=report.pk).progress)  # progress so far is visible
        raise OSError("no fonts")

    monkeypatch.setattr(pdf, "html_to_pdf", broken)

    assert build_round_report(report.pk) is False

    report.refresh_from_db()
    assert seen == [REPORT_PAGE_RENDERED]
    assert report.status == ReportStatus.FAILED and "no fonts" in report.error
    assert report.finished_at is not None and not report.file
    assert build_round_report(report.pk) is False  # a failed report stays failed: ask for a new one


def test_request_enqueues_once_on_commit_and_a_second_click_makes_no_second_report(
    round_, lead, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        first = report_request(round=round_, requested_by=lead)
        second = report_request(round=round_, requested_by=lead)
    assert first == second and first.status == ReportStatus.PENDING
    assert len(callbacks) == 1
    callbacks[0]()  # the commit: the task runs (eagerly, without a broker)
    first.refresh_from_db()
    assert first.status == ReportStatus.DONE
    assert report_request(round=round_, requested_by=lead) != first  # a done one is not reused


def _page(round_):
    return reverse("assessments:round_report", args=[round_.pk])


def test_the_page_polls_while_the_report_is_made_and_links_it_when_done(client, lead, round_, report):
    client.force_login(lead)

    page = client.get(_page(round_)).content.decode()
    assert 'hx-trigger="every 2s"' in page and "<progress" in page
    assert f'href="{_page(round_)}"' in page  # the plain "Refresh" link
    assert "It is laid out for US Letter paper, the organization's setting" in page
    fragment = client.get(_page(round_), headers={"HX-Request": "true"}).content.decode()
    assert fragment.lstrip().startswith('<div id="report-status"') and "<h1" not in fragment

    build_round_report(report.pk)
    fragment = client.get(_page(round_), headers={"HX-Request": "true"}).content.decode()
    assert "hx-trigger" not in fragment  # done: the polling stops
    assert reverse("assessments:report_download", args=[report.pk]) in fragment


def test_posting_asks_for_a_report(client, facilitator, round_, django_capture_on_commit_callbacks):
    client.force_login(facilitator)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(_page(round_))
    assert response.status_code == 302 and response["Location"] == _page(round_)
    report = ReportExport.objects.get(round=round_)
    assert (report.requested_by, report.status) == (facilitator, ReportStatus.DONE)


def test_download_serves_the_pdf_as_an_attachment(client, lead, done):
    client.force_login(lead)
    response = client.get(reverse("assessments:report_download", args=[done.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    assert b"".join(response.streaming_content).startswith(b"%PDF")


def test_a_report_not_ready_is_not_found(client, lead, report):
    client.force_login(lead)
    assert client.get(reverse("assessments:report_download", args=[report.pk])).status_code == 404


@pytest.mark.parametrize(
    ("persona", "expected"),
    [(None, 302), ("outsider", 404), ("stakeholder", 403), ("facilitator", 200), ("lead", 200)],
)
@pytest.mark.parametrize("view", ["round_report", "report_download"])
def test_permission_matrix(client, request, round_, done, persona, expected, view):
    if persona:
        client.force_login(request.getfixturevalue(persona))
    response = client.get(reverse(f"assessments:{view}", args=[done.pk if view == "report_download" else round_.pk]))
    assert response.status_code == expected
    if persona is None:
        assert response["Location"].startswith(reverse("login"))


def _laid_out(html):
    """The report as WeasyPrint lays it out (its pages, and the text of every
    line): the text the PDF is drawn from, read without a PDF parser (none is
    a dependency)."""
    from weasyprint import CSS, HTML

    document = HTML(string=html).render(stylesheets=[CSS(filename=str(pdf.REPORT_CSS))])

    def texts(box):
        if hasattr(box, "text"):
            yield box.text
        for child in getattr(box, "children", []):
            yield from texts(child)

    return document, [" ".join(texts(page._page_box)) for page in document.pages]


@pytest.mark.parametrize(("paper_size", "width_mm", "height_mm"), [("letter", 215.9, 279.4), ("a4", 210, 297)])
def test_the_pdf_is_laid_out_on_the_organizations_paper_with_a_legend_of_the_bars(
    round_, paper_size, width_mm, height_mm
):
    org = round_.organization
    org.paper_size = paper_size
    org.save(update_fields=["paper_size"])
    html = report_html(round_results(round=round_), round_action_plans(round=round_))
    assert f'class="paper-{paper_size}"' in html

    document, pages = _laid_out(html)

    px_per_mm = 96 / 25.4  # WeasyPrint's page sizes are in CSS pixels
    assert document.pages[0].width == pytest.approx(width_mm * px_per_mm, abs=0.5)
    assert document.pages[0].height == pytest.approx(height_mm * px_per_mm, abs=0.5)
    first = pages[0]
    assert "How to read the bars" in first
    for name in ("1. Informing", "2. Networking", "3. Collaborating", "4. Transforming"):
        assert name in first
    assert "median: the middle rating, half-way along the bar" in first


def _boxes(box):
    yield box
    for child in getattr(box, "children", []):
        yield from _boxes(child)


@pytest.mark.parametrize("paper_size", ["letter", "a4"])
def test_level_names_and_headings_are_never_hyphenated_and_the_tables_fit_the_page(round_, paper_size):
    round_.organization.paper_size = paper_size
    round_.organization.save(update_fields=["paper_size"])
    html = report_html(round_results(round=round_), round_action_plans(round=round_))
    document, pages = _laid_out(html)
    bars_seen = 0
    for page in document.pages:
        body = next(box for box in _boxes(page._page_box) if getattr(box, "element_tag", "") == "body")
        tables = [box for box in _boxes(page._page_box) if getattr(box, "element_tag", "") == "table"]
        assert all(table.margin_width() <= body.width + 0.5 for table in tables)
        charts = [box for box in _boxes(page._page_box) if (getattr(box, "element_tag", None) or "").endswith("svg")]
        bars = [chart for chart in charts if chart.width > 100]  # not the legend's swatches
        assert all(bar.width == pytest.approx(body.width) for bar in bars)  # each bar as wide as the page
        bars_seen += len(bars)
    assert bars_seen == 9  # a bar per key action
    words = " ".join(pages).split()
    # A line may end at a real hyphen ("co-chair"), never at one hyphenation added.
    assert [word for word in words if word.endswith(("-", "\u2010")) and word not in html] == []
    assert {"Informing", "Networking", "Collaborating", "Transforming"} <= set(words)


def test_the_summary_table_says_which_key_actions_are_worth_discussing(round_):
    """As the results page and the workbook do, in the table and not only in the caption under each bar: the
    agreement cell of a key action worth discussing says so (a column more would not fit the page)."""
    results = round_results(round=round_)
    html = report_html(results, round_action_plans(round=round_))
    flags = [ka.stats.discuss for rubric in results.rubrics for ka in rubric.key_actions]
    assert True in flags and False in flags  # the data has both
    summaries = re.findall(r'<table class="table summary">.*?</table>', html, flags=re.S)
    rows = [
        row
        for table in summaries
        for row in re.findall(r"<tbody>(.*?)</tbody>", table, flags=re.S)[0].split("</tr>")[:-1]
    ]
    assert ["⚑ Discuss" in row for row in rows] == flags
