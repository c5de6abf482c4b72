"""Writes of what a team agrees and plans: consensus records (appended, so
the history stays), a target level and the steps towards it."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from assessments.audit.services import round_event
from assessments.exceptions import StateConflict
from assessments.models import (
    ActionPlan,
    ActionStep,
    Consensus,
    MeetingReveal,
    Round,
    RoundRubric,
    RoundStatus,
    StepStatus,
)
from assessments.results.computation import round_results
from convening.models import AuditKind, User
from rubrics.models import KeyAction, Level

from .selectors import default_target_level


def _check_key_action_in_round(round: Round, key_action: KeyAction) -> None:
    if not RoundRubric.objects.filter(round=round, rubric_id=key_action.rubric_id).exists():
        raise ValidationError({"key_action": _("That key action is not part of this round.")})


def _check_level_of(key_action: KeyAction, level: Level, *, field: str) -> None:
    if level.rubric_id != key_action.rubric_id:
        raise ValidationError({field: _("Choose one of the levels of this key action's rubric.")})


@transaction.atomic
def consensus_record(
    *, round: Round, key_action: KeyAction, level: Level, rationale: str, recorded_by: User | None
) -> Consensus:
    """Appends the team's agreed level for a key action; earlier records stay
    as its history. Only once the team can see the distribution it discusses."""
    _check_key_action_in_round(round, key_action)
    revealed_in_room = MeetingReveal.objects.filter(meeting__round=round, key_action=key_action).exists()
    if round.status != RoundStatus.CLOSED and not round.results_revealed and not revealed_in_room:
        raise StateConflict(_("Consensus is recorded once the round has closed or its results are shown."))
    _check_level_of(key_action, level, field="level")
    record = Consensus(
        round=round, key_action=key_action, level=level, rationale=rationale.strip(), recorded_by=recorded_by
    )
    record.full_clean()
    record.save()
    detail = _("%(key_action)s: %(level)s") % {"key_action": key_action.title, "level": level.name}
    round_event(round=round, by=recorded_by, kind=AuditKind.CONSENSUS_RECORDED, detail=detail, subject=record)
    return record


@transaction.atomic
def action_plan_set_target(
    *, round: Round, key_action: KeyAction, target_level: Level, by: User | None = None
) -> ActionPlan:
    _check_key_action_in_round(round, key_action)
    _check_level_of(key_action, target_level, field="target_level")
    plan, _created = ActionPlan.objects.update_or_create(
        round=round, key_action=key_action, defaults={"target_level": target_level}
    )
    detail = _("%(key_action)s: target %(level)s") % {"key_action": key_action.title, "level": target_level.name}
    round_event(round=round, by=by, kind=AuditKind.PLAN_CHANGED, detail=detail, subject=plan)
    return plan


def _plan_for(round: Round, key_action: KeyAction) -> ActionPlan:
    """The key action's plan, made with the default target on its first step."""
    plan = ActionPlan.objects.filter(round=round, key_action=key_action).first()
    if plan is not None:
        return plan
    result = next(
        result
        for rubric in round_results(round=round).rubrics
        for result in rubric.key_actions
        if result.key_action.pk == key_action.pk
    )
    return ActionPlan.objects.create(round=round, key_action=key_action, target_level=default_target_level(result))


def _validated_step(*, description: str, owner: str, due_date: date | None, status: str) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "description": description.strip(),
        "owner": owner.strip(),
        "due_date": due_date,
        "status": status,
    }
    ActionStep(**fields).full_clean(exclude=["plan"])
    return fields


@transaction.atomic
def action_step_add(
    *,
    round: Round,
    key_action: KeyAction,
    description: str,
    owner: str = "",
    due_date: date | None = None,
    status: str = StepStatus.OPEN,
    by: User | None = None,
) -> ActionStep:
    _check_key_action_in_round(round, key_action)
    fields = _validated_step(description=description, owner=owner, due_date=due_date, status=status)
    step = ActionStep.objects.create(plan=_plan_for(round, key_action), **fields)
    _step_event(step, round=round, key_action=key_action, by=by, kind=AuditKind.STEP_ADDED)
    return step


def _step_event(step: ActionStep, *, round: Round, key_action: KeyAction, by: User | None, kind: AuditKind) -> None:
    detail = f"{key_action.title}: {step.description}"
    round_event(round=round, by=by, kind=kind, detail=detail, subject=step)


@transaction.atomic
def action_step_update(
    *, step: ActionStep, description: str, owner: str, due_date: date | None, status: str, by: User | None = None
) -> ActionStep:
    fields = _validated_step(description=description, owner=owner, due_date=due_date, status=status)
    # Validated apart and then saved, so a refused change leaves `step` as it was.
    for name, value in fields.items():
        setattr(step, name, value)
    step.save(update_fields=[*fields, "updated_at"])
    _step_event(step, round=step.plan.round, key_action=step.plan.key_action, by=by, kind=AuditKind.STEP_CHANGED)
    return step


@transaction.atomic
def action_step_delete(*, step: ActionStep, by: User | None = None) -> None:
    _step_event(step, round=step.plan.round, key_action=step.plan.key_action, by=by, kind=AuditKind.STEP_DELETED)
    step.delete()
