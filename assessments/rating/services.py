"""Writes of a participant's own ratings: one answer saved (the long way,
which names the broken rule), and the response submitted."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef, Q, Value
from django.utils import timezone
from django.utils.translation import gettext as _

from assessments.exceptions import StateConflict
from assessments.models import Invitation, Response, RoundStatus
from assessments.rounds.selectors import round_key_action_ids
from rubrics.models import KeyAction, Level

from .autosave import Participant, clean_answer, rating_upsert


def _check_can_rate(invitation: Invitation) -> None:
    if invitation.revoked_at is not None:
        raise PermissionDenied(_("This invitation was revoked."))
    if invitation.round.status != RoundStatus.OPEN:
        raise StateConflict(_("This round is not open for ratings."))


def response_for(*, invitation: Invitation) -> Response:
    """The invitee's response, created on first use; two tabs racing to
    create it end with one row (the one-to-one constraint)."""
    response, _created = Response.objects.get_or_create(
        invitation=invitation,
        defaults={"round_id": invitation.round_id, "stakeholder_group_id": invitation.stakeholder_group_id},
    )
    return response


@transaction.atomic
def rating_save(
    *,
    invitation: Invitation,
    key_action_id: int,
    level_id: int | None,
    not_sure: bool,
    evidence: str,
) -> tuple[int, int]:
    """Saves one answer and answers the progress (key actions rated, key
    actions in the round), or says which rule forbids it."""
    evidence = clean_answer(level_id=level_id, not_sure=not_sure, evidence=evidence)
    answer: dict[str, Any] = {
        "key_action_id": key_action_id,
        "level_id": level_id,
        "not_sure": not_sure,
        "evidence": evidence,
    }
    participant = Participant(invitation_ids=(invitation.pk,))
    progress = rating_upsert(participant=participant, round_id=invitation.round_id, **answer)
    if progress is not None:
        return progress
    _check_can_rate(invitation)
    level_belongs: Value | Exists = Value(True)
    if level_id is not None:
        level_belongs = Exists(Level.objects.filter(pk=level_id, rubric_id=OuterRef("rubric_id")))
    key_action = (
        KeyAction.objects.filter(pk=key_action_id, rubric__round_rubrics__round_id=invitation.round_id)
        .annotate(level_belongs=level_belongs)
        .values("pk", "level_belongs")
        .first()
    )
    if key_action is None:
        raise ValidationError(_("That key action is not part of this round."))
    if not key_action["level_belongs"]:
        raise ValidationError(_("That level does not belong to this key action's rubric."))
    response_for(invitation=invitation)  # a first answer: the response did not exist yet
    progress = rating_upsert(participant=participant, round_id=invitation.round_id, **answer)
    if progress is None:
        # Every rule held a moment ago: the round closed or the link was revoked since.
        raise StateConflict(_("This round is not open for ratings."))
    return progress


@transaction.atomic
def response_submit(*, invitation: Invitation, now: datetime | None = None) -> Response:
    _check_can_rate(invitation)
    response = response_for(invitation=invitation)
    rated = set(
        response.ratings.filter(Q(level__isnull=False) | Q(not_sure=True)).values_list("key_action_id", flat=True)
    )
    missing = [pk for pk in round_key_action_ids(invitation.round_id) if pk not in rated]
    if missing:
        raise ValidationError(
            _("Rate every key action (or choose “Not sure”) before submitting: %(count)d still open.")
            % {"count": len(missing)}
        )
    if not Response.objects.filter(pk=response.pk, submitted_at__isnull=True).update(
        submitted_at=now or timezone.now()
    ):
        raise StateConflict(_("Your ratings were already submitted. You can still revise them until the round closes."))
    response.refresh_from_db()
    return response
