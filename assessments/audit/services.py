"""A round's changes on the audit trail: every service that changes a round, its invitations, its paper
forms, its plans or its files records one event here, in its own transaction."""

from __future__ import annotations

from django.db import models, transaction
from django.utils.translation import gettext as _

from assessments.models import Round
from convening.audit.services import audit_record
from convening.models import AuditKind, Organization, User


def round_event(
    *, round: Round, by: User | None, kind: AuditKind, detail: str = "", subject: models.Model | None = None
) -> None:
    """The round's name, then `detail` (what changed, never anyone's ratings)."""
    summary = f"{round.name} · {detail}" if detail else round.name
    audit_record(
        organization=round.organization_id,
        by=by,
        kind=kind,
        subject=subject if subject is not None else round,
        round_id=round.pk,
        summary=summary,
    )


@transaction.atomic
def audit_trail_export_record(*, organization: Organization, by: User) -> None:
    """The trail's own CSV is an export like any other."""
    audit_record(
        organization=organization,
        by=by,
        kind=AuditKind.EXPORT_MADE,
        subject_type="audit",
        summary=_("Audit trail (CSV)"),
    )
