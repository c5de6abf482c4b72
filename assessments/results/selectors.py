"""Reads of a round's comments (the evidence stakeholders wrote), which show
only at or above the round's anonymity threshold."""

from __future__ import annotations

from django.db.models import QuerySet
from django.db.models.functions import Lower

from assessments.models import Rating, Response, Round
from rubrics.models import KeyAction

from .computation import RoundResults


def _comments(round_: Round) -> QuerySet[Rating]:
    """Submitted ratings with evidence. Every write strips it
    (`rating_save`, the paper upload), so "" is the only blank one
    and SQL alone tells comments apart."""
    return Rating.objects.filter(response__round=round_, response__submitted_at__isnull=False).exclude(evidence="")


def round_evidence_counts(*, results: RoundResults) -> dict[int, int] | None:
    """The number of comments per key action id, or None below the round's
    anonymity threshold of submitted respondents (SPEC §5). Counted with the
    ratings by `round_results`, so no query of its own; the text is on
    `key_action_evidence`'s page."""
    if results.submitted < results.round.threshold:
        return None
    return results.comments


def key_action_evidence(*, round: Round, key_action: KeyAction) -> QuerySet[Rating, str] | None:
    """The texts of one key action's comments, or None below the round's
    anonymity threshold (one query to count the respondents). The queryset
    is lazy so that a Paginator counts and slices it in SQL. No name, group
    or response travels with a comment, and comments are sorted by their
    text, so neither order nor company ties one to a person."""
    if Response.objects.filter(round=round, submitted_at__isnull=False).count() < round.threshold:
        return None
    return (
        _comments(round)
        .filter(key_action=key_action)
        .order_by(Lower("evidence"), "evidence")
        .values_list("evidence", flat=True)
    )
