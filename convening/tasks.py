import smtplib
from typing import Any

from celery import shared_task

from . import password_reset


# The result is stored (unlike the project default) because its only purpose
# is to prove a round trip: web → broker → worker → result backend → caller.
@shared_task(bind=True, ignore_result=False)
def ping(self) -> dict[str, str]:
    return {"pong": self.request.hostname}


# What a flaky mail server or network throws (SMTPException is an OSError too, named for the reader); worth
# retrying with backoff.
TRANSIENT_MAIL_ERRORS = (smtplib.SMTPException, OSError)


# How every task that sends mail is run: acknowledged only once done, retried with backoff on the errors above.
# A retry waits its countdown unacknowledged in the worker: it must stay shorter than the broker's visibility
# timeout (settings), or another worker is handed the same task meanwhile.
MAIL_TASK_OPTIONS: dict[str, Any] = {
    "bind": True,
    "acks_late": True,
    "reject_on_worker_lost": True,
    "autoretry_for": TRANSIENT_MAIL_ERRORS,
    "retry_backoff": True,
    "retry_backoff_max": 120,
    "retry_jitter": True,
}


@shared_task(name="convening.tasks.send_password_reset", max_retries=5, **MAIL_TASK_OPTIONS)
def send_password_reset(self, email: str, language: str) -> int:
    """Takes the address typed, not a person's id: see convening/password_reset.py."""
    return password_reset.password_reset_send(email=email, language=language, attempt_key=str(self.request.id))
