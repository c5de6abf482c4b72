"""The consensus block each key action carries on the results page, and
that htmx swaps in alone after a record."""

from __future__ import annotations

from django.urls import reverse

from assessments.access import ResultsAccess
from assessments.models import EVIDENCE_MAX_LENGTH
from rubrics.models import KeyAction


def consensus_context(access: ResultsAccess, key_action: KeyAction, levels, history, form, *, recorded=False) -> dict:
    """The block's values, its ids and its form's choices as ready strings:
    the page draws one block per key action, and every number a template
    prints passes through localization, which costs more than the block's
    whole markup."""
    current = history[0] if history else None
    prefix = f"ka-{key_action.pk}"
    # A refused form shows the level it posted; else the current consensus is checked.
    checked = str(form["level"].value()) if form else (str(current.level_id) if current else None)
    return {
        "key_action": key_action,
        "prefix": prefix,
        "block_id": f"consensus-{key_action.pk}",
        "action": reverse("assessments:consensus_record", args=[access.round.pk, key_action.pk]),
        "choices": [
            {
                "value": str(level.pk),
                "id": f"{prefix}-level-{level.position}",
                "label": f"{level.position}. {level.name}",
                "checked": checked == str(level.pk),
            }
            for level in levels
        ],
        "history": history,
        "current": current,
        "can_record": "plan.edit" in access.capabilities,
        "show_history": "results.read" in access.capabilities,
        "form": form,
        "rationale_max_length": str(EVIDENCE_MAX_LENGTH),
        "recorded": recorded,
    }
