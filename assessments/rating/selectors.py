"""Reads of a participant's own rating: the page's content and answers, and
their rounds with progress ("My rounds")."""

from __future__ import annotations

from django.db.models import Count, OuterRef, Q, QuerySet, Subquery

from assessments.models import Invitation, Rating, Response, RoundStatus
from assessments.rounds.selectors import rubrics_to_rate
from convening.models import User
from rubrics.models import Rubric


def rating_form_data(
    *, invitation: Invitation, language: str
) -> tuple[list[Rubric], dict[int, Rating], Response | None]:
    """Everything the rating page shows, in a fixed number of queries whatever
    the number of key actions: the rubrics in `language` where they have a
    translation into it (see `rubrics_to_rate`) and the participant's ratings
    keyed by key action."""
    rubrics = rubrics_to_rate(round=invitation.round, language=language)
    response = Response.objects.filter(invitation=invitation).first()
    ratings = {r.key_action_id: r for r in response.ratings.all()} if response else {}
    return rubrics, ratings, response


def open_participations(*, user: User) -> QuerySet[Invitation]:
    """The person's invitations to open rounds ("My rounds"), with progress:
    `key_action_count` and `rated_count` (key actions with a level or "Not sure")."""
    rated = (
        Rating.objects.filter(response__invitation=OuterRef("pk"))
        .filter(Q(level__isnull=False) | Q(not_sure=True))
        .values("response__invitation")
        .annotate(count=Count("pk"))
        .values("count")
    )
    return (
        Invitation.objects.filter(user=user, revoked_at__isnull=True, round__status=RoundStatus.OPEN)
        .select_related("round__team", "round__organization", "response")
        .annotate(
            key_action_count=Count("round__rubrics__key_actions", distinct=True),
            rated_count=Subquery(rated),
        )
        .order_by("round__closes_at")
    )
