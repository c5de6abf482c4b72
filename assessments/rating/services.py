"""Writes of a participant's own ratings: one change saved (the long way,
which names the broken rule), every changed answer of the no-JavaScript
form at once, and the response submitted."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef, Q, Value
from django.utils import timezone
from django.utils.translation import gettext as _

from assessments.exceptions import StateConflict
from assessments.models import Invitation, Rating, Response, RoundStatus
from assessments.results.releases import results_changed
from assessments.rounds.selectors import round_key_action_ids
from rubrics.models import KeyAction, Level

from .autosave import AnswerChange, Participant, Saved, clean_answer, rating_upsert


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


class AnswerConflict(StateConflict):
    """The answer changed (in another tab or on another device) since the
    page showed it: nothing was written, and `stored` is the answer now kept."""

    def __init__(self, message: str, *, stored: Rating) -> None:
        super().__init__(message)
        self.stored = stored


def _check_change_fits_round(invitation: Invitation, change: AnswerChange) -> None:
    level_belongs: Value | Exists = Value(True)
    if change.writes_level and change.level_id is not None:
        level_belongs = Exists(Level.objects.filter(pk=change.level_id, rubric_id=OuterRef("rubric_id")))
    key_action = (
        KeyAction.objects.filter(pk=change.key_action_id, rubric__round_rubrics__round_id=invitation.round_id)
        .annotate(level_belongs=level_belongs)
        .values("pk", "level_belongs")
        .first()
    )
    if key_action is None:
        raise ValidationError(_("That key action is not part of this round."))
    if not key_action["level_belongs"]:
        raise ValidationError(_("That level does not belong to this key action's rubric."))


def _check_stored_version(stored: Rating | None, change: AnswerChange) -> None:
    """Refuses a change based on an older version than the one stored."""
    if stored is None:
        return
    stale = (change.writes_level and change.level_base not in (None, stored.level_version)) or (
        change.writes_evidence and change.evidence_base not in (None, stored.evidence_version)
    )
    if stale:
        raise AnswerConflict(
            _("This answer was changed in another window or on another device since this page was loaded."),
            stored=stored,
        )


def _check_not_stale(response: Response, change: AnswerChange) -> None:
    stored = Rating.objects.filter(response=response, key_action_id=change.key_action_id).first()
    _check_stored_version(stored, change)


def _revised(response: Response) -> None:
    """After a change to submitted answers, in the same transaction: the
    round's results revision moves and the response's digest is taken again
    (see results.releases)."""
    if response.submitted_at is not None:
        results_changed(round_id=response.round_id, response_ids=[response.pk])


@transaction.atomic
def answer_save(*, invitation: Invitation, change: AnswerChange) -> Saved:
    """Saves one change to one of the invitee's answers and answers the
    versions and progress, or says which rule forbids it (AnswerConflict:
    the answer changed since the page showed it)."""
    change = clean_answer(change)
    participant = Participant(invitation_id=invitation.pk, token_hash=invitation.token_hash)
    saved = rating_upsert(participant=participant, round_id=invitation.round_id, change=change)
    if saved is not None:
        return saved
    _check_can_rate(invitation)
    _check_change_fits_round(invitation, change)
    response = response_for(invitation=invitation)  # a first answer, or a revision after submitting
    _check_not_stale(response, change)
    revising = response.submitted_at is not None
    saved = rating_upsert(participant=participant, round_id=invitation.round_id, change=change, revising=revising)
    if saved is None:
        # Every rule held a moment ago: the round closed, the link was revoked
        # or replaced, or another window wrote first.
        _check_not_stale(response, change)
        raise StateConflict(_("This round is not open for ratings."))
    _revised(response)
    return saved


class AnswersRefused(Exception):
    """Some answers of a form could not be saved, so none was: the message per key action id."""

    def __init__(self, errors: dict[int, str]) -> None:
        super().__init__(errors)
        self.errors = errors


@transaction.atomic
def answers_save(*, invitation: Invitation, changes: Sequence[AnswerChange]) -> int:
    """Saves every change of the form posted without JavaScript, or none
    (AnswersRefused names each refusal), in a fixed number of queries plus
    one guarded statement per changed answer. Returns how many were saved."""
    _check_can_rate(invitation)
    if not changes:
        return 0
    errors: dict[int, str] = {}
    cleaned: list[AnswerChange] = []
    for change in changes:
        try:
            cleaned.append(clean_answer(change))
        except ValidationError as error:
            errors[change.key_action_id] = " ".join(error.messages)
    rubric_of = dict(
        KeyAction.objects.filter(rubric__round_rubrics__round_id=invitation.round_id).values_list("pk", "rubric_id")
    )
    level_ids = {change.level_id for change in cleaned if change.writes_level and change.level_id is not None}
    level_rubric = dict(Level.objects.filter(pk__in=level_ids).values_list("pk", "rubric_id"))
    response = response_for(invitation=invitation)
    stored = {rating.key_action_id: rating for rating in response.ratings.all()}
    for change in cleaned:
        key_action = change.key_action_id
        if key_action not in rubric_of:
            errors[key_action] = _("That key action is not part of this round.")
        elif (
            change.writes_level
            and change.level_id is not None
            and level_rubric.get(change.level_id) != rubric_of[key_action]
        ):
            errors[key_action] = _("That level does not belong to this key action's rubric.")
        else:
            try:
                _check_stored_version(stored.get(key_action), change)
            except AnswerConflict:
                errors[key_action] = _(
                    "This answer was changed in another window or on another device since this page was loaded; "
                    "the answer saved there is shown, and yours was not saved."
                )
    if errors:
        raise AnswersRefused(errors)
    participant = Participant(invitation_id=invitation.pk, token_hash=invitation.token_hash)
    revising = response.submitted_at is not None
    for change in cleaned:
        if (
            rating_upsert(participant=participant, round_id=invitation.round_id, change=change, revising=revising)
            is None
        ):
            # Written elsewhere since the versions were read a moment ago.
            transaction.set_rollback(True)
            raise AnswersRefused({change.key_action_id: _("This answer was changed elsewhere just now. Try again.")})
    _revised(response)
    return len(cleaned)


def rating_save(
    *, invitation: Invitation, key_action_id: int, level_id: int | None, not_sure: bool, evidence: str
) -> Saved:
    """Sets the whole answer, whatever is stored (the services' and tests' way)."""
    change = AnswerChange(key_action_id=key_action_id, level_id=level_id, not_sure=not_sure, evidence=evidence)
    return answer_save(invitation=invitation, change=change)


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
    results_changed(round_id=response.round_id, response_ids=[response.pk])
    response.refresh_from_db()
    return response
