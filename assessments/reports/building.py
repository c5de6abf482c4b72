"""Making a requested background file, as the worker does (see
`reports.tasks`): claimed by a conditional update, its progress committed
step by step so that its page shows it, its failure recorded."""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.files.base import ContentFile
from django.utils import timezone, translation

from assessments.models import ReportExport, ReportStatus

from .registry import FORMATS

logger = logging.getLogger(__name__)

REPORT_STARTED = 5


def _report_progress(report_id: int, progress: int) -> None:
    ReportExport.objects.filter(pk=report_id, status=ReportStatus.RUNNING).update(progress=progress)


def report_build(*, report_id: int) -> bool:
    """Makes the file of a requested report, in the requester's language and
    the organization's time zone. Not one transaction: each step's progress
    commits at once, so that the report's page shows it while the worker
    works. A report already done (or failed) is left as it is; a running one
    is taken over, as with acks_late a task comes back only when the worker
    making it died. A failure is recorded on the report for its page, and
    logged. Returns whether this call made the file."""
    claimable = ReportExport.objects.filter(pk=report_id, status__in=[ReportStatus.PENDING, ReportStatus.RUNNING])
    if not claimable.update(status=ReportStatus.RUNNING, progress=REPORT_STARTED, error=""):
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
