"""The consensus block each key action carries on the results page, and
that htmx swaps in alone after a record."""

from __future__ import annotations

from assessments.access import ResultsAccess
from assessments.models import EVIDENCE_MAX_LENGTH
from rubrics.models import KeyAction


def consensus_context(access: ResultsAccess, key_action: KeyAction, levels, history, form, *, recorded=False) -> dict:
    return {
        "round": access.round,
        "key_action": key_action,
        "levels": levels,
        "history": history,
        "current": history[0] if history else None,
        "can_record": "plan.edit" in access.capabilities,
        "show_history": "results.read" in access.capabilities,
        "form": form,
        "rationale_max_length": EVIDENCE_MAX_LENGTH,
        "recorded": recorded,
    }
