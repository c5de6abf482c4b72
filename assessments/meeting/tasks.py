"""The worker's side of meeting sign-ins: mail one code, retried with backoff."""

from __future__ import annotations

from celery import shared_task

from convening.tasks import MAIL_TASK_OPTIONS

from . import signin


@shared_task(name="assessments.tasks.send_meeting_code", max_retries=5, **MAIL_TASK_OPTIONS)
def send_meeting_code(self, sign_in_id: int) -> bool:
    return signin.meeting_code_send(sign_in_id=sign_in_id)
