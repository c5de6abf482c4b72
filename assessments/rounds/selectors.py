"""Reads of rounds: a team's rounds with their counts, a round's progress
per stakeholder group, and what a round is made of."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, Exists, Max, OuterRef, Prefetch, Q, QuerySet
from django.utils.translation import gettext as _

from assessments.models import Invitation, MessageKind, Rating, Response, Round, SentMessage
from convening.models import Team
from rubrics import localization
from rubrics.models import Descriptor, KeyAction, Level, Rubric


def round_has_ratings(*, round: Round) -> bool:
    return Rating.objects.filter(response__round=round).exists()


def round_last_reminder(*, round: Round) -> datetime | None:
    """When the round's last reminder (by hand or automatic) was queued."""
    reminders = SentMessage.objects.filter(invitation__round=round, kind=MessageKind.REMINDER)
    return reminders.aggregate(last=Max("created_at"))["last"]


def round_key_action_ids(round_id: int) -> list[int]:
    return list(KeyAction.objects.filter(rubric__round_rubrics__round_id=round_id).values_list("pk", flat=True))


def rubrics_to_rate(*, round: Round, language: str | None = None) -> list[Rubric]:
    """The round's rubrics in order, with their levels, key actions and
    descriptors, in four queries whatever the number of key actions; in
    `language` where a rubric has a translation into it (see
    rubrics/localization.py), else (and by default) in their originals."""
    key_actions = KeyAction.objects.order_by("position").prefetch_related(
        Prefetch("descriptors", queryset=Descriptor.objects.select_related("level").order_by("level__position"))
    )
    language = language or localization.original_language()
    rubrics = list(
        localization.with_translation(
            round.rubrics.order_by("round_rubrics__position"), language=language
        ).prefetch_related(
            Prefetch("levels", queryset=Level.objects.order_by("position")),
            Prefetch("key_actions", queryset=key_actions),
        )
    )
    localization.show_in(rubrics, language=language)
    return rubrics


def invitation_has_rating() -> Exists:
    # Any rating row, even evidence alone, shows the person has begun.
    return Exists(Rating.objects.filter(response__invitation=OuterRef("pk")))


def with_response_counts(rounds: QuerySet[Round]) -> QuerySet[Round]:
    """The rounds with their numbers of live invitations and of those
    submitted (`invited_count`, `submitted_count`), as `round_progress`
    counts them, in the rounds' own query (an invitation has at most one
    response, so the join multiplies nothing)."""
    live = Q(invitations__revoked_at__isnull=True)
    return rounds.annotate(
        invited_count=Count("invitations", filter=live),
        submitted_count=Count("invitations", filter=live & Q(invitations__response__submitted_at__isnull=False)),
    )


def team_rounds(*, team: Team) -> QuerySet[Round]:
    """The team's rounds, newest first, with their response counts: one query."""
    return with_response_counts(team.rounds.all()).order_by("-opens_at", "-pk")


@dataclass(frozen=True)
class ProgressCounts:
    label: str
    invited: int
    started: int
    submitted: int
    revoked: int
    on_paper: int


def round_progress(*, round: Round) -> tuple[list[ProgressCounts], ProgressCounts]:
    """Invited / started / submitted (live invitations), revoked, and paper
    respondents entered by a facilitator, per stakeholder group and overall,
    from two grouped queries. `started` includes those who have submitted."""
    live = Q(revoked_at__isnull=True)
    invitation_rows = (
        Invitation.objects.filter(round=round)
        .values("stakeholder_group_id", "stakeholder_group__name", "stakeholder_group__position")
        .annotate(
            invited=Count("pk", filter=live),
            started=Count("pk", filter=live & Q(invitation_has_rating())),
            submitted=Count("pk", filter=live & Q(response__submitted_at__isnull=False)),
            revoked=Count("pk", filter=~live),
        )
    )
    paper_rows = (
        Response.objects.filter(round=round, invitation__isnull=True)
        .values("stakeholder_group_id", "stakeholder_group__name", "stakeholder_group__position")
        .annotate(on_paper=Count("pk"))
    )
    counts = ("invited", "started", "submitted", "revoked", "on_paper")
    by_group: dict[int, dict] = {}
    for row in [*invitation_rows, *paper_rows]:
        by_group.setdefault(row["stakeholder_group_id"], dict.fromkeys(counts, 0)).update(row)
    ordered = sorted(
        by_group.values(), key=lambda row: (row["stakeholder_group__position"], row["stakeholder_group__name"])
    )
    groups = [
        ProgressCounts(label=row["stakeholder_group__name"], **{name: row[name] for name in counts}) for row in ordered
    ]
    total = ProgressCounts(
        label=_("All stakeholder groups"), **{name: sum(getattr(group, name) for group in groups) for name in counts}
    )
    return groups, total


@dataclass(frozen=True)
class CloseConsequences:
    submitted: int
    part_way: int
    not_started: int
    on_paper: int


def round_close_consequences(*, round: Round) -> CloseConsequences:
    """Who counts and who does not if the round closes now (the round page's own counts)."""
    _groups, total = round_progress(round=round)
    return CloseConsequences(
        submitted=total.submitted,
        part_way=total.started - total.submitted,
        not_started=total.invited - total.started,
        on_paper=total.on_paper,
    )
