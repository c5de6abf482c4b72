"""Reading the audit trail: an organization's events, filtered, newest first."""

from __future__ import annotations

from django.db.models import QuerySet

from assessments.models import Round
from convening.models import AuditEvent, Organization


def audit_events_for(
    *, organization: Organization, round_id: int | None = None, actor_email: str | None = None, kind: str = ""
) -> QuerySet[AuditEvent]:
    """`actor_email` "" is the schedule's events (no one's address); None, everyone's."""
    events = AuditEvent.objects.filter(organization=organization)
    if round_id is not None:
        events = events.filter(round_id=round_id)
    if actor_email is not None:
        events = events.filter(actor_email=actor_email)
    if kind:
        events = events.filter(kind=kind)
    return events.order_by("-created_at", "-id")


def audit_round_choices(*, organization: Organization) -> list[tuple[int, str]]:
    rounds = Round.objects.filter(organization=organization).select_related("team").order_by("-opens_at", "-pk")
    return [(round_.pk, f"{round_.name} ({round_.team.name})") for round_ in rounds]


def audit_actor_choices(*, organization: Organization) -> list[str]:
    """Everyone who ever acted in the organization, as recorded (an account removed since still appears)."""
    return list(
        AuditEvent.objects.filter(organization=organization)
        .exclude(actor_email="")
        .values_list("actor_email", flat=True)
        .distinct()
        .order_by("actor_email")
    )
