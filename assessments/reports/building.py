"""Making a requested background file, as the worker does (see
`reports.tasks`): claimed by a conditional update, its progress committed
step by step so that its page shows it, its failure recorded."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone, translation

from assessments.models import ReportExport, ReportStatus

from .registry import FORMATS

logger = logging.getLogger(__name__)

REPORT_STARTED = 5
# Workers a report may take down (killed, out of memory, past the time limit) before it is given up.
REPORT_MAX_ATTEMPTS = 3


def stuck_before(now: datetime) -> datetime:
    """Waiting or being made with no sign of life since before this, a
    report has lost its worker: a live one is stopped at the time limit."""
    return now - timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT)


def _report_progress(report_id: int, progress: int) -> None:
    ReportExport.objects.filter(pk=report_id, status=ReportStatus.RUNNING).update(
        progress=progress, heartbeat_at=timezone.now()
    )


def report_build(*, report_id: int) -> bool:
    """Makes the file of a requested report, in the requester's language and
    the organization's time zone. Not one transaction: each step's progress
    commits at once, so that the report's page shows it while the worker
    works. A report already done (or failed) is left as it is. A running one
    is taken over only once it is stuck (`stuck_before`): until then its
    worker may still be on it, and a second copy of the task (the sweep's,
    the broker's redelivery) would make it twice at once. A failure is
    recorded on the report for its page, and logged. Returns whether this
    call made the file."""
    now = timezone.now()
    claimable = ReportExport.objects.filter(
        Q(status=ReportStatus.PENDING) | Q(status=ReportStatus.RUNNING, heartbeat_at__lt=stuck_before(now)),
        pk=report_id,
    )
    claimed = claimable.update(
        status=ReportStatus.RUNNING, progress=REPORT_STARTED, error="", heartbeat_at=now, attempts=F("attempts") + 1
    )
    if not claimed:
        return False
    reports = ReportExport.objects.select_related("round__team", "round__organization", "requested_by")
    report = reports.get(pk=report_id)
    round_ = report.round
    language = report.requested_by.language if report.requested_by else settings.LANGUAGE_CODE
    file_format = FORMATS[report.kind]
    try:
        with translation.override(language), timezone.override(round_.organization.time_zone):
            content = file_format.build(round_, lambda progress: _report_progress(report_id, progress))
        name = f"round-{round_.pk}-{file_format.stem}-{report_id}.{file_format.extension}"
        if not isinstance(content, str | bytes):
            content = "".join(content)  # a streamed builder, made whole for the file
        data = content.encode() if isinstance(content, str) else content
        report.file.save(name, ContentFile(data), save=False)
        ReportExport.objects.filter(pk=report_id).update(
            status=ReportStatus.DONE, progress=100, file=report.file.name, finished_at=timezone.now()
        )
    except Exception as error:
        logger.exception("Report %s of round %s failed", report_id, round_.pk)
        ReportExport.objects.filter(pk=report_id).update(
            status=ReportStatus.FAILED, error=repr(error)[:300], finished_at=timezone.now()
        )
        return False
    return True


@transaction.atomic
def reports_requeue_stuck(*, now: datetime | None = None) -> list[int]:
    """The beat sweep's part: each report stuck past the time limit is put
    back to waiting (and returned, for the caller to enqueue once this
    commits), or, once it has taken down REPORT_MAX_ATTEMPTS workers, marked
    failed with why. Locked rows are skipped: a request is retiring them."""
    now = now or timezone.now()
    stuck = list(
        ReportExport.objects.select_for_update(skip_locked=True)
        .filter(status__in=[ReportStatus.PENDING, ReportStatus.RUNNING], heartbeat_at__lt=stuck_before(now))
        .values_list("pk", "attempts", "round_id")
    )
    exhausted = [pk for pk, attempts, _ in stuck if attempts >= REPORT_MAX_ATTEMPTS]
    again = [pk for pk, attempts, _ in stuck if attempts < REPORT_MAX_ATTEMPTS]
    if exhausted:
        ReportExport.objects.filter(pk__in=exhausted).update(
            status=ReportStatus.FAILED,
            error=f"The worker making it stopped {REPORT_MAX_ATTEMPTS} times before it was done",
            finished_at=now,
        )
    ReportExport.objects.filter(pk__in=again).update(status=ReportStatus.PENDING, heartbeat_at=now)
    for pk, attempts, round_id in stuck:
        logger.warning(
            "Report %s of round %s was stuck after %s attempts: %s",
            pk,
            round_id,
            attempts,
            "given up" if attempts >= REPORT_MAX_ATTEMPTS else "queued again",
        )
    return again
