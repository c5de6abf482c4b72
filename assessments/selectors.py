"""Reads with access rules for rounds and a participant's own rating."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import Count, Prefetch, Q, QuerySet
from django.http import Http404, HttpRequest

from convening.models import Role, User
from convening.selectors import require_role
from rubrics.models import Descriptor, KeyAction, Level, Rubric

from .models import Invitation, Rating, Response, Round, RoundStatus

SESSION_PARTICIPATIONS_KEY = "participations"


def get_round_for(user: User, pk: int, *, need: Role | tuple[Role, ...] = Role.FACILITATOR) -> Round:
    """A round of one of the person's organizations: 404 for another
    organization's round, 403 without one of the `need` roles."""
    round_ = Round.objects.select_related("team", "organization").filter(pk=pk).first()
    if round_ is None:
        raise Http404
    roles = require_role(user=user, organization_id=round_.organization_id, need=None)
    needed = need if isinstance(need, tuple) else (need,)
    if not roles.intersection(needed):
        raise PermissionDenied
    return round_


def remember_participation(request: HttpRequest, invitation: Invitation) -> None:
    """Opening a personal link grants this browser session that one
    invitation, and nothing else: no login, no other page."""
    participations = set(request.session.get(SESSION_PARTICIPATIONS_KEY, []))
    participations.add(invitation.pk)
    request.session[SESSION_PARTICIPATIONS_KEY] = sorted(participations)


def get_participation_for(request: HttpRequest, round_pk: int) -> Invitation:
    """The invitation through which this visitor rates the round: their own
    (signed in), or one granted to the session by a personal link. Anything
    else answers 404, whether the round exists or not."""
    invitations = Invitation.objects.select_related("round__team", "user", "stakeholder_group").filter(
        round_id=round_pk, revoked_at__isnull=True
    )
    granted = Q(pk__in=request.session.get(SESSION_PARTICIPATIONS_KEY, []))
    if request.user.is_authenticated:
        granted |= Q(user=request.user)
    invitation = invitations.filter(granted).first()
    if invitation is None:
        raise Http404
    return invitation


def rating_form_data(*, invitation: Invitation) -> tuple[list[Rubric], dict[int, Rating], Response | None]:
    """Everything the rating page shows, in a fixed number of queries whatever
    the number of key actions: the rubrics with levels, key actions and
    descriptors, and the participant's ratings keyed by key action."""
    key_actions = KeyAction.objects.order_by("position").prefetch_related(
        Prefetch("descriptors", queryset=Descriptor.objects.select_related("level").order_by("level__position"))
    )
    rubrics = list(
        invitation.round.rubrics.order_by("round_rubrics__position").prefetch_related(
            Prefetch("levels", queryset=Level.objects.order_by("position")),
            Prefetch("key_actions", queryset=key_actions),
        )
    )
    response = Response.objects.filter(invitation=invitation).first()
    ratings = {r.key_action_id: r for r in response.ratings.all()} if response else {}
    return rubrics, ratings, response


def rating_progress(*, invitation: Invitation) -> tuple[int, int]:
    """(key actions rated, key actions in the round), in two queries."""
    rated = Rating.objects.filter(response__invitation=invitation).filter(Q(level__isnull=False) | Q(not_sure=True))
    total = KeyAction.objects.filter(rubric__round_rubrics__round_id=invitation.round_id)
    return rated.count(), total.count()


def open_participations(*, user: User) -> QuerySet[Invitation]:
    """The person's invitations to open rounds ("My rounds"), with progress."""
    return (
        Invitation.objects.filter(user=user, revoked_at__isnull=True, round__status=RoundStatus.OPEN)
        .select_related("round__team", "round__organization", "response")
        .annotate(
            key_action_count=Count("round__rubrics__key_actions", distinct=True),
        )
        .order_by("round__closes_at")
    )
