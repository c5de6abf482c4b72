from celery import shared_task

from .services import audit_events_expire


@shared_task(name="convening.audit.tasks.expire_audit_events")
def expire_audit_events() -> int:
    """Daily: each organization's events past its retention are deleted (idempotent: a second run finds none)."""
    return audit_events_expire()
