"""Asking for a file made in the background."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from assessments.audit.services import round_event
from assessments.models import ReportExport, ReportKind, ReportStatus, Round
from convening.models import AuditKind, User

from .building import stuck_before
from .registry import FORMATS
from .tasks import build_round_report


@transaction.atomic
def report_request(*, round: Round, requested_by: User, kind: str = ReportKind.ROUND_PDF) -> ReportExport:
    """Records a report of the round's results; a worker makes it once the
    transaction commits. While one of that kind is still waiting or being
    made, that one is returned: a second click makes no second file. One
    stuck past the time limit (its worker died) is given up instead, and a
    new one is made, so that the person is not left watching it."""
    if not FORMATS[kind].background:
        raise ValueError(f"{kind} is made on request, not in the background")
    now = timezone.now()
    in_progress = ReportExport.objects.select_for_update().filter(
        round=round, kind=kind, status__in=[ReportStatus.PENDING, ReportStatus.RUNNING]
    )
    stuck = in_progress.filter(heartbeat_at__lt=stuck_before(now))
    stuck.update(
        status=ReportStatus.FAILED, error="Stopped before it was done; a new one was asked for", finished_at=now
    )
    current = in_progress.first()
    if current is not None:
        return current
    report = ReportExport.objects.create(round=round, requested_by=requested_by, kind=kind)
    build_round_report.delay_on_commit(report.pk)
    round_event(
        round=round, by=requested_by, kind=AuditKind.EXPORT_MADE, detail=str(FORMATS[kind].label), subject=report
    )
    return report


@transaction.atomic
def export_record(*, round: Round, by: User, kind: str) -> None:
    """A file made on request (CSV, JSON, workbook) on the audit trail, before it is sent."""
    round_event(round=round, by=by, kind=AuditKind.EXPORT_MADE, detail=str(FORMATS[kind].label))
