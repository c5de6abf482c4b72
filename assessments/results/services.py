"""Showing an open round's results before it closes."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from assessments.audit.services import round_event
from assessments.exceptions import StateConflict
from assessments.models import Round, RoundStatus
from convening.models import AuditKind, User


@transaction.atomic
def round_set_results_revealed(*, round: Round, revealed: bool, by: User | None = None) -> None:
    """Shows an open round's results to facilitators and leads before it
    closes (e.g. live in a meeting), or hides them again. A closed round's
    results are visible anyway; a draft has none."""
    if revealed and round.status != RoundStatus.OPEN:
        raise StateConflict(_("Only an open round's results can be shown before closing."))
    Round.objects.filter(pk=round.pk).update(results_revealed=revealed)
    round.results_revealed = revealed
    detail = _("results shown before closing") if revealed else _("results hidden until closing")
    round_event(round=round, by=by, kind=AuditKind.RESULTS_REVEALED, detail=detail)
