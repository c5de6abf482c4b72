"""The audit trail's one write. Every service that makes a change a facilitator answers for calls
`audit_record` in its own transaction, so an event exists exactly when its change does: a change rolled
back takes its event with it."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from ..models import AuditEvent, AuditKind, Organization, User

SUMMARY_LENGTH = AuditEvent._meta.get_field("summary").max_length or 500
# Who acts when no signed-in person does: the schedule, unless a command says otherwise (audit_actor).
_command_actor: ContextVar[str] = ContextVar("audit_command_actor", default="")


@contextmanager
def audit_actor(label: str) -> Iterator[None]:
    """Names who acts for the events recorded inside, where no person is signed in: a site administrator's
    command (`create_organization`), so that its events do not read as the schedule's."""
    token = _command_actor.set(label)
    try:
        yield
    finally:
        _command_actor.reset(token)


def audit_record(
    *,
    organization: Organization | int,
    by: User | None,
    kind: AuditKind,
    subject: object | None = None,
    subject_type: str = "",
    round_id: int | None = None,
    summary: str,
) -> AuditEvent:
    """One event: `by` is None for what the schedule did. `subject` is the model instance changed (its
    model's name and id are kept); a summary names objects only, never a person's ratings.

    Must run inside the change's transaction (services are atomic), or the event could outlive a change
    rolled back."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("audit_record must run inside the transaction of the change it records")
    organization_id = organization if isinstance(organization, int) else organization.pk
    person = by if by is not None and by.is_authenticated else None
    return AuditEvent.objects.create(
        organization_id=organization_id,
        actor=person,
        actor_email=person.email if person is not None else _command_actor.get(),
        kind=kind,
        subject_type=subject_type or (subject._meta.model_name if subject is not None else ""),  # type: ignore[attr-defined]
        subject_id=getattr(subject, "pk", None),
        round_id=round_id,
        summary=summary[:SUMMARY_LENGTH],
    )


def audit_events_expire(*, now: datetime | None = None) -> int:
    """Deletes every organization's events older than its retention; the number deleted."""
    now = now or timezone.now()
    deleted = 0
    for organization_id, days in Organization.objects.values_list("pk", "audit_retention_days"):
        count, _ = AuditEvent.objects.filter(
            organization_id=organization_id, created_at__lt=now - timedelta(days=days)
        ).delete()
        deleted += count
    return deleted
