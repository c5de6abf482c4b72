"""Reads of a round's comments (the evidence stakeholders wrote): those of
its current release, and only once the round has closed (SPEC §5.1), so a
late comment appears with at least k others."""

from __future__ import annotations

from django.db.models import QuerySet
from django.db.models.functions import Lower

from assessments.models import ReleaseComment, Round, RoundStatus
from rubrics.models import KeyAction

from .computation import RoundResults
from .releases import release_to_show


def round_evidence_counts(*, results: RoundResults) -> dict[int, int] | None:
    """The number of comments per key action id, or None while the round
    shows no comments. Counted into the release, so no query of its own;
    the texts are on `key_action_evidence`'s page."""
    if not results.groups_shown or results.release is None:
        return None
    return results.comments


def key_action_evidence(*, round: Round, key_action: KeyAction) -> QuerySet[ReleaseComment, str] | None:
    """The texts of one key action's released comments, or None while the
    round shows none. The queryset is lazy so that a Paginator counts and
    slices it in SQL. No name, group or response travels with a comment,
    and comments are sorted by their text, so neither order nor company
    ties one to a person."""
    if round.status != RoundStatus.CLOSED:
        return None
    release = release_to_show(round=round)
    if release is None:
        return None
    return (
        ReleaseComment.objects.filter(release=release, key_action_id=key_action.pk)
        .order_by(Lower("text"), "text")
        .values_list("text", flat=True)
    )
