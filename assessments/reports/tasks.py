"""The worker's side of background files."""

from __future__ import annotations

from celery import shared_task

from .building import report_build, reports_requeue_stuck


# Named as before the feature packages, so that a report queued before a deployment is still made.
@shared_task(name="assessments.tasks.build_round_report", acks_late=True, reject_on_worker_lost=True)
def build_round_report(report_id: int) -> bool:
    """Makes one requested report; a redelivered task finds it done."""
    return report_build(report_id=report_id)


@shared_task(name="assessments.tasks.sweep_stuck_reports")
def sweep_stuck_reports() -> int:
    """Beat's sweep: reports whose worker died are made again, by any worker."""
    again = reports_requeue_stuck()
    for report_id in again:
        build_round_report.delay(report_id)
    return len(again)
