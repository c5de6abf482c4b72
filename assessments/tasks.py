"""Celery tasks: thin wrappers that take ids and call a service."""

from __future__ import annotations

import smtplib

from celery import shared_task

from . import services

# What a flaky mail server or network throws (SMTPException is an OSError too,
# named for the reader); worth retrying with backoff.
TRANSIENT_MAIL_ERRORS = (smtplib.SMTPException, OSError)


@shared_task(
    bind=True,
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=TRANSIENT_MAIL_ERRORS,
    retry_backoff=True,
    retry_backoff_max=600,
    retry_jitter=True,
    max_retries=6,
)
def deliver_message(self, message_id: int) -> bool:
    try:
        return services.message_deliver(message_id=message_id)
    except TRANSIENT_MAIL_ERRORS as error:
        services.message_record_failure(
            message_id=message_id, error=repr(error), final=self.request.retries >= self.max_retries
        )
        raise


@shared_task
def rounds_tick() -> dict[str, list[int]]:
    """Run by beat every minute: opens, closes and reminds what is due. Each
    state change is a conditional update, so overlapping ticks are harmless."""
    return {
        "opened": services.rounds_open_due(),
        "closed": services.rounds_close_due(),
        "reminded": services.rounds_remind_due(),
    }


@shared_task(acks_late=True, reject_on_worker_lost=True)
def build_round_report(report_id: int) -> bool:
    """Makes one requested PDF report; a redelivered task finds it done."""
    return services.report_build(report_id=report_id)
