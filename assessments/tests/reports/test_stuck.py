"""Reports whose worker died: the beat sweep makes them again, or gives up
and says so; a new request after the time limit makes a new report."""

from datetime import timedelta

import pytest
from django.utils import timezone

from assessments.models import ReportExport, ReportStatus
from assessments.reports import pdf
from assessments.reports.building import REPORT_MAX_ATTEMPTS
from assessments.reports.services import report_request
from assessments.reports.tasks import build_round_report, sweep_stuck_reports
from assessments.tests.history_data import CAE, closed_round, lbc, respond
from convening.tests.factories import TeamFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def round_(org):
    round_ = closed_round(
        TeamFactory(organization=org), closed_at=timezone.now() - timedelta(days=1), rubrics=[lbc(CAE)]
    )
    respond(round_, "Family", [{1: 1}, {1: 2}, {1: 3}, {1: 3}, {1: 4}])
    return round_


def _left(round_, user, *, status, seconds_ago, progress=50, attempts=1):
    """A report as a worker killed mid-build (or a lost task) leaves it."""
    report = ReportExport.objects.create(round=round_, requested_by=user)
    ReportExport.objects.filter(pk=report.pk).update(
        status=status,
        progress=progress,
        attempts=attempts,
        heartbeat_at=timezone.now() - timedelta(seconds=seconds_ago),
    )
    return report


def test_a_report_left_running_past_the_time_limit_is_made_by_the_sweep(round_, facilitator, settings):
    report = _left(round_, facilitator, status=ReportStatus.RUNNING, seconds_ago=settings.CELERY_TASK_TIME_LIMIT + 1)

    sweep_stuck_reports()  # beat's task; without a broker the rebuild it enqueues runs at once

    report.refresh_from_db()
    assert (report.status, report.progress, report.attempts) == (ReportStatus.DONE, 100, 2)


def test_a_report_left_pending_past_the_time_limit_is_made_by_the_sweep(round_, facilitator, settings):
    report = _left(
        round_, facilitator, status=ReportStatus.PENDING, seconds_ago=settings.CELERY_TASK_TIME_LIMIT + 1, attempts=0
    )
    sweep_stuck_reports()
    report.refresh_from_db()
    assert report.status == ReportStatus.DONE


def test_the_sweep_leaves_a_report_within_its_time_limit_alone(round_, facilitator, settings, monkeypatch):
    monkeypatch.setattr(pdf, "html_to_pdf", lambda html: pytest.fail("made while its worker is still on it"))
    report = _left(round_, facilitator, status=ReportStatus.RUNNING, seconds_ago=settings.CELERY_TASK_TIME_LIMIT - 5)
    sweep_stuck_reports()
    report.refresh_from_db()
    assert (report.status, report.progress, report.attempts) == (ReportStatus.RUNNING, 50, 1)


def test_a_second_copy_of_the_task_does_not_make_a_report_its_worker_is_still_making(round_, facilitator, monkeypatch):
    monkeypatch.setattr(pdf, "html_to_pdf", lambda html: pytest.fail("made twice at once"))
    report = _left(round_, facilitator, status=ReportStatus.RUNNING, seconds_ago=10)
    assert build_round_report(report.pk) is False
    report.refresh_from_db()
    assert (report.status, report.progress) == (ReportStatus.RUNNING, 50)


def test_a_report_whose_workers_died_again_and_again_is_marked_failed_with_why(round_, facilitator, settings):
    report = _left(
        round_,
        facilitator,
        status=ReportStatus.RUNNING,
        seconds_ago=settings.CELERY_TASK_TIME_LIMIT + 1,
        attempts=REPORT_MAX_ATTEMPTS,
    )
    sweep_stuck_reports()
    report.refresh_from_db()
    assert report.status == ReportStatus.FAILED and report.finished_at is not None
    assert f"stopped {REPORT_MAX_ATTEMPTS} times" in report.error


def test_the_progress_shows_the_worker_is_alive(round_, facilitator, monkeypatch):
    report = ReportExport.objects.create(round=round_, requested_by=facilitator)
    ReportExport.objects.filter(pk=report.pk).update(heartbeat_at=timezone.now() - timedelta(hours=1))
    seen = []

    def render(html):
        seen.append(ReportExport.objects.get(pk=report.pk).heartbeat_at)
        return b"%PDF-1.7"

    monkeypatch.setattr(pdf, "html_to_pdf", render)
    assert build_round_report(report.pk) is True
    assert timezone.now() - seen[0] < timedelta(minutes=1)


def test_a_request_after_the_time_limit_makes_a_new_report_and_retires_the_stuck_one(
    round_, lead, settings, django_capture_on_commit_callbacks
):
    stuck = _left(round_, lead, status=ReportStatus.RUNNING, seconds_ago=settings.CELERY_TASK_TIME_LIMIT + 1)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        fresh = report_request(round=round_, requested_by=lead)
    assert fresh != stuck and len(callbacks) == 1
    stuck.refresh_from_db()
    assert stuck.status == ReportStatus.FAILED and "a new one was asked for" in stuck.error
    with django_capture_on_commit_callbacks(execute=False):
        assert report_request(round=round_, requested_by=lead) == fresh  # within the limit: the same one
