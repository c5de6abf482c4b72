"""The worker's side of e-mail: deliver one message, retried with backoff."""

from __future__ import annotations

from celery import shared_task

from convening.tasks import MAIL_TASK_OPTIONS, TRANSIENT_MAIL_ERRORS

from . import delivery


# Named as before the feature packages, so that messages queued before a deployment are still delivered.
@shared_task(
    name="assessments.tasks.deliver_message", max_retries=delivery.MESSAGE_MAX_ATTEMPTS - 1, **MAIL_TASK_OPTIONS
)
def deliver_message(self, message_id: int) -> bool:
    try:
        return delivery.message_deliver(message_id=message_id)
    except TRANSIENT_MAIL_ERRORS as error:
        delivery.message_record_failure(
            message_id=message_id, error=repr(error), final=self.request.retries >= self.max_retries
        )
        raise


@shared_task(name="assessments.tasks.sweep_stuck_messages")
def sweep_stuck_messages() -> int:
    """Beat's sweep: messages whose worker died are sent by any worker."""
    again = delivery.messages_requeue_stuck()
    for message_id in again:
        deliver_message.delay(message_id)
    return len(again)
