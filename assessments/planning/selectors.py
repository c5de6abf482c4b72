"""Reads of what a team agrees and plans: consensus records with their
history, action plans with their steps, the default target, and the steps
left open from earlier rounds."""

from __future__ import annotations

import math
from dataclasses import dataclass

from django.db.models import F, Prefetch, Q, QuerySet

from assessments.models import ActionPlan, ActionStep, Consensus, Round, StepStatus
from assessments.results.computation import KeyActionResult
from rubrics.models import Descriptor, KeyAction, Level


def consensus_history(*, round: Round, key_action: KeyAction | None = None) -> dict[int, list[Consensus]]:
    """Every consensus record per key action id, newest (the current one)
    first, with who recorded it: one query."""
    records = (
        Consensus.objects.filter(round=round).select_related("level", "recorded_by").order_by("-recorded_at", "-pk")
    )
    if key_action is not None:
        records = records.filter(key_action=key_action)
    history: dict[int, list[Consensus]] = {}
    for record in records:
        history.setdefault(record.key_action_id, []).append(record)
    return history


def default_target_level(result: KeyActionResult) -> Level:
    """SPEC §4.6: one level above the consensus; without one, above the
    median rounded down; without ratings, the first level. Capped at the top."""
    if result.consensus is not None:
        current = result.consensus.position
    elif result.stats is not None and result.stats.median is not None:
        current = math.floor(result.stats.median)
    else:
        current = 0
    return result.levels[min(current + 1, len(result.levels)) - 1]


def _steps_in_order() -> QuerySet[ActionStep]:
    # Undated steps last on every database (SQLite and PostgreSQL disagree on NULLs).
    return ActionStep.objects.order_by(F("due_date").asc(nulls_last=True), "pk")


def round_action_plans(*, round: Round) -> dict[int, ActionPlan]:
    """The round's action plans per key action id, with their steps: two queries."""
    plans = ActionPlan.objects.filter(round=round).select_related("target_level")
    return {plan.key_action_id: plan for plan in plans.prefetch_related(Prefetch("steps", queryset=_steps_in_order()))}


def round_descriptors(*, round: Round) -> dict[tuple[int, int], str]:
    """(key action id, level id) → descriptor text, for every rubric of the round: one query."""
    rows = Descriptor.objects.filter(key_action__rubric__round_rubrics__round=round).values_list(
        "key_action_id", "level_id", "text"
    )
    return {(key_action_id, level_id): text for key_action_id, level_id, text in rows}


@dataclass(frozen=True)
class OpenSteps:
    """The unfinished steps planned for one key action in earlier rounds."""

    key_action: KeyAction
    steps: list[ActionStep]


def open_steps_from_previous_rounds(*, round: Round) -> list[OpenSteps]:
    """Steps not done yet from the team's rounds that opened before this one,
    per key action (rubric, then position), oldest round first: one query
    whatever their number. A team's plan carries over until it is done."""
    earlier = Q(plan__round__opens_at__lt=round.opens_at) | Q(
        plan__round__opens_at=round.opens_at, plan__round_id__lt=round.pk
    )
    steps = (
        ActionStep.objects.filter(earlier, plan__round__team_id=round.team_id)
        .exclude(status=StepStatus.DONE)
        .select_related("plan__round", "plan__key_action__rubric", "plan__target_level")
        .order_by(
            "plan__key_action__rubric__title",
            "plan__key_action__rubric_id",
            "plan__key_action__position",
            "plan__round__opens_at",
            F("due_date").asc(nulls_last=True),
            "pk",
        )
    )
    grouped: dict[int, OpenSteps] = {}
    for step in steps:
        key_action = step.plan.key_action
        grouped.setdefault(key_action.pk, OpenSteps(key_action=key_action, steps=[])).steps.append(step)
    return list(grouped.values())
