"""Asking for a file made in the background."""

from __future__ import annotations

from django.db import transaction

from assessments.models import ReportExport, ReportKind, ReportStatus, Round
from convening.models import User

from .registry import FORMATS
from .tasks import build_round_report


@transaction.atomic
def report_request(*, round: Round, requested_by: User, kind: str = ReportKind.ROUND_PDF) -> ReportExport:
    """Records a report of the round's results; a worker makes it once the
    transaction commits. While one of that kind is still waiting or being
    made, that one is returned: a second click makes no second file."""
    if not FORMATS[kind].background:
        raise ValueError(f"{kind} is made on request, not in the background")
    in_progress = ReportExport.objects.filter(
        round=round, kind=kind, status__in=[ReportStatus.PENDING, ReportStatus.RUNNING]
    ).first()
    if in_progress is not None:
        return in_progress
    report = ReportExport.objects.create(round=round, requested_by=requested_by, kind=kind)
    build_round_report.delay_on_commit(report.pk)
    return report
