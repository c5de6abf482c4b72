from celery import shared_task

from ..tasks import MAIL_TASK_OPTIONS
from . import mail


@shared_task(name="convening.people.tasks.send_account_invitation", max_retries=5, **MAIL_TASK_OPTIONS)
def send_account_invitation(self, invitation_id: int, token: str, language: str) -> bool:
    """The token is an argument: only its hash is stored (see services._send)."""
    return mail.account_invitation_send(invitation_id=invitation_id, token=token, language=language)


@shared_task(name="convening.people.tasks.send_role_notice", max_retries=5, **MAIL_TASK_OPTIONS)
def send_role_notice(self, membership_id: int) -> bool:
    return mail.role_notice_send(membership_id=membership_id)
