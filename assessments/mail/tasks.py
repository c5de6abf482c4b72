"""The worker's side of e-mail: deliver one message, retried with backoff."""

from __future__ import annotations

import smtplib

from celery import shared_task

from . import delivery

# What a flaky mail server or network throws (SMTPException is an OSError too,
# named for the reader); worth retrying with backoff.
TRANSIENT_MAIL_ERRORS = (smtplib.SMTPException, OSError)


# Named as before the feature packages, so that messages queued before a deployment are still delivered.
@shared_task(
    name="assessments.tasks.deliver_message",
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
        return delivery.message_deliver(message_id=message_id)
    except TRANSIENT_MAIL_ERRORS as error:
        delivery.message_record_failure(
            message_id=message_id, error=repr(error), final=self.request.retries >= self.max_retries
        )
        raise
