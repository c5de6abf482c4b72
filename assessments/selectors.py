"""Reads with access rules for rounds and a participant's own rating."""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied
from django.db import models
from django.db.models import Case, Count, Exists, F, OuterRef, Prefetch, Q, QuerySet, Value, When
from django.db.models.functions import Lower
from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from convening import people_csv
from convening.models import Role, StakeholderGroup, Team, TeamMember, User
from convening.selectors import require_role, roles_in, team_member_emails, team_members_for
from rubrics.models import Descriptor, KeyAction, Level, Rubric

from .models import (
    ActionPlan,
    ActionStep,
    Consensus,
    Invitation,
    Rating,
    Response,
    Round,
    RoundStatus,
    SentMessage,
    StepStatus,
)
from .results import KeyActionResult, RoundResults

SESSION_PARTICIPATIONS_KEY = "participations"


def get_round_for(user: User, pk: int, *, need: Role | tuple[Role, ...] = Role.FACILITATOR) -> Round:
    """A round of one of the person's organizations: 404 for another
    organization's round, 403 without one of the `need` roles."""
    return get_round_and_roles_for(user, pk, need=need)[0]


def get_round_and_roles_for(user: User, pk: int, *, need: Role | tuple[Role, ...]) -> tuple[Round, set[str]]:
    """As get_round_for, with the person's roles in the round's organization."""
    round_ = Round.objects.select_related("team", "organization").filter(pk=pk).first()
    if round_ is None:
        raise Http404
    return round_, require_role(user=user, organization_id=round_.organization_id, need=need)


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
    invitations = Invitation.objects.select_related(
        "round__team", "round__organization", "user", "stakeholder_group"
    ).filter(round_id=round_pk, revoked_at__isnull=True)
    granted = Q(pk__in=request.session.get(SESSION_PARTICIPATIONS_KEY, []))
    if request.user.is_authenticated:
        granted |= Q(user=request.user)
    invitation = invitations.filter(granted).first()
    if invitation is None:
        raise Http404
    return invitation


def rubrics_to_rate(*, round_: Round) -> list[Rubric]:
    """The round's rubrics in order, with their levels, key actions and
    descriptors, in four queries whatever the number of key actions."""
    key_actions = KeyAction.objects.order_by("position").prefetch_related(
        Prefetch("descriptors", queryset=Descriptor.objects.select_related("level").order_by("level__position"))
    )
    return list(
        round_.rubrics.order_by("round_rubrics__position").prefetch_related(
            Prefetch("levels", queryset=Level.objects.order_by("position")),
            Prefetch("key_actions", queryset=key_actions),
        )
    )


def rating_form_data(*, invitation: Invitation) -> tuple[list[Rubric], dict[int, Rating], Response | None]:
    """Everything the rating page shows, in a fixed number of queries whatever
    the number of key actions: the rubrics (see `rubrics_to_rate`) and the
    participant's ratings keyed by key action."""
    rubrics = rubrics_to_rate(round_=invitation.round)
    response = Response.objects.filter(invitation=invitation).first()
    ratings = {r.key_action_id: r for r in response.ratings.all()} if response else {}
    return rubrics, ratings, response


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


# Facilitators' round pages ----------------------------------------------------


class InviteeStatus(models.TextChoices):
    NOT_STARTED = "not_started", gettext_lazy("Not started")
    IN_PROGRESS = "in_progress", gettext_lazy("In progress")
    SUBMITTED = "submitted", gettext_lazy("Submitted")
    REVOKED = "revoked", gettext_lazy("Revoked")


def _has_rating() -> Exists:
    # Any rating row, even evidence alone, shows the person has begun.
    return Exists(Rating.objects.filter(response__invitation=OuterRef("pk")))


def team_rounds(*, team: Team) -> QuerySet[Round]:
    """The team's rounds, newest first, with their numbers of live invitations
    and of those submitted: one query (an invitation has at most one response,
    so the join multiplies nothing)."""
    live = Q(invitations__revoked_at__isnull=True)
    return team.rounds.annotate(
        invited_count=Count("invitations", filter=live),
        submitted_count=Count("invitations", filter=live & Q(invitations__response__submitted_at__isnull=False)),
    ).order_by("-opens_at", "-pk")


@dataclass(frozen=True)
class ProgressCounts:
    label: str
    invited: int
    started: int
    submitted: int
    revoked: int
    on_paper: int


def round_progress(*, round_: Round) -> tuple[list[ProgressCounts], ProgressCounts]:
    """Invited / started / submitted (live invitations), revoked, and paper
    respondents entered by a facilitator, per stakeholder group and overall,
    from two grouped queries. `started` includes those who have submitted."""
    live = Q(revoked_at__isnull=True)
    invitation_rows = (
        Invitation.objects.filter(round=round_)
        .values("stakeholder_group_id", "stakeholder_group__name", "stakeholder_group__position")
        .annotate(
            invited=Count("pk", filter=live),
            started=Count("pk", filter=live & Q(_has_rating())),
            submitted=Count("pk", filter=live & Q(response__submitted_at__isnull=False)),
            revoked=Count("pk", filter=~live),
        )
    )
    paper_rows = (
        Response.objects.filter(round=round_, invitation__isnull=True)
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


def round_invitees(*, round_: Round) -> list[Invitation]:
    """Everyone invited, with their status (`progress`, an InviteeStatus) and
    the e-mails sent to them, in three queries however many there are. Never
    their ratings: nobody sees one named person's answers."""
    invitations = (
        Invitation.objects.filter(round=round_)
        .select_related("user", "stakeholder_group")
        .annotate(
            progress=Case(
                When(revoked_at__isnull=False, then=Value(InviteeStatus.REVOKED)),
                When(response__submitted_at__isnull=False, then=Value(InviteeStatus.SUBMITTED)),
                When(_has_rating(), then=Value(InviteeStatus.IN_PROGRESS)),
                default=Value(InviteeStatus.NOT_STARTED),
            )
        )
        .prefetch_related(Prefetch("messages", queryset=SentMessage.objects.order_by("created_at", "pk")))
        .order_by(Lower("user__name"), "user__email")
    )
    return [_with_status(invitation) for invitation in invitations]


def _with_status(invitation: Invitation) -> Invitation:
    invitation.progress = InviteeStatus(invitation.progress)
    return invitation


def get_invitation_for(user: User, round_pk: int, invitation_pk: int) -> Invitation:
    """An invitation of a round the person facilitates; one of another round answers 404."""
    round_ = get_round_for(user, round_pk, need=Role.FACILITATOR)
    invitation = round_.invitations.select_related("user").filter(pk=invitation_pk).first()
    if invitation is None:
        raise Http404
    invitation.round = round_
    return invitation


def team_members_not_invited(*, round_: Round) -> QuerySet[TeamMember]:
    """Members of the round's team without an invitation to it (a revoked one counts)."""
    return team_members_for(team=round_.team).exclude(user__invitations__round=round_)


class InviteRowStatus(models.TextChoices):
    JOIN = "join", gettext_lazy("Will join the team and be invited")
    INVITE = "invite", gettext_lazy("Will be invited")
    INVITED = "invited", gettext_lazy("Already invited")
    DUPLICATE = "duplicate", gettext_lazy("Duplicate, counted once")
    ERROR = "error", gettext_lazy("Error")


@dataclass
class InviteRow:
    """What confirming a pasted row would do to the round (and its team)."""

    row: people_csv.PersonRow
    status: InviteRowStatus
    group: StakeholderGroup | None
    messages: list[str] = field(default_factory=list)

    @property
    def is_error(self) -> bool:
        return self.status == InviteRowStatus.ERROR


def invitation_rows_check(*, round_: Round, rows: list[people_csv.PersonRow]) -> list[InviteRow]:
    """The team import's checks of each row (e-mail, group, duplicates), then
    who is invited already; four queries whatever the number of rows."""
    revoked_by_email = dict(
        round_.invitations.annotate(email_lower=Lower("user__email")).values_list("email_lower", "revoked_at")
    )
    members = team_member_emails(team=round_.team)
    checked = []
    for result in people_csv.check_rows(team=round_.team, rows=rows):
        if result.status in (people_csv.RowStatus.ERROR, people_csv.RowStatus.DUPLICATE):
            status = InviteRowStatus(result.status.value)
            checked.append(InviteRow(row=result.row, status=status, group=result.group, messages=result.messages))
            continue
        member = members.get(result.email)
        # Someone on the team is invited in the group they have there.
        group = member.stakeholder_group if member else result.group
        row = InviteRow(row=result.row, status=InviteRowStatus.JOIN, group=group)
        if result.email in revoked_by_email:
            row.status = InviteRowStatus.INVITED
            row.messages.append(
                _("Their invitation was revoked; it is not renewed.")
                if revoked_by_email[result.email]
                else _("Invited to this round already: not invited twice.")
            )
        elif member is not None:
            row.status = InviteRowStatus.INVITE
        if member is None and row.status == InviteRowStatus.INVITED:
            row.messages.append(_("Not on the team yet: will be added to it."))
        if member is not None and member.stakeholder_group != result.group:
            row.messages.append(
                _("On the team in the group “%(group)s”, which stays as it is.") % {"group": member.stakeholder_group}
            )
        checked.append(row)
    return checked


def invite_row_counts(rows: list[InviteRow]) -> dict[str, int]:
    counts = Counter(row.status for row in rows)
    return {status.value: counts[status] for status in InviteRowStatus}


# Results, consensus and action plans (assessments/results_views.py) -----------


@dataclass(frozen=True)
class ResultsAccess:
    """What one person may do with one round's results. `hidden_reason` says
    why the results are not shown (yet) to someone who will see them later;
    it is None once they are visible."""

    round: Round
    is_facilitator: bool
    is_reader: bool  # facilitator or lead: every figure, the JSON, the action plan
    hidden_reason: str | None

    @property
    def visible(self) -> bool:
        return self.hidden_reason is None


def results_access(user: User, pk: int) -> ResultsAccess:
    """SPEC §3: facilitators and leads of the organization see results once
    the round has closed, or while it is open if a facilitator revealed them;
    someone invited to the round (whatever their role, if any) sees them after
    closing when the round shares them. Any other member: 403; anyone else:
    404, so a round's existence does not leak."""
    round_ = Round.objects.select_related("team", "organization").filter(pk=pk).first()
    if round_ is None:
        raise Http404
    roles = roles_in(user=user, organization_id=round_.organization_id)
    is_facilitator = Role.FACILITATOR in roles
    closed = round_.status == RoundStatus.CLOSED
    if is_facilitator or Role.LEAD in roles:
        hidden = None if closed or round_.results_revealed else _("Results appear when the round closes.")
        return ResultsAccess(round=round_, is_facilitator=is_facilitator, is_reader=True, hidden_reason=hidden)
    # A withdrawn invitation no longer counts as taking part.
    if not Invitation.objects.filter(round=round_, user=user, revoked_at__isnull=True).exists():
        if roles:
            raise PermissionDenied
        raise Http404
    if not round_.share_results:
        hidden = _("The facilitators have not shared the results of this round.")
    elif not closed:
        hidden = _("Results appear when the round closes.")
    else:
        hidden = None
    return ResultsAccess(round=round_, is_facilitator=False, is_reader=False, hidden_reason=hidden)


def _comments(round_: Round) -> QuerySet[Rating]:
    """Submitted ratings with evidence. Every write strips it
    (services.rating_save, the paper upload), so "" is the only blank one
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


def key_action_evidence(*, round: Round, key_action: KeyAction) -> QuerySet[str] | None:
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
    elif result.stats.median is not None:
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


def open_steps_from_previous_rounds(round: Round) -> list[OpenSteps]:
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


def get_step_for(user: User, round_pk: int, step_pk: int) -> tuple[Round, ActionStep]:
    """A step of the team of a round the person facilitates, reached from that
    round's pages (a step from an earlier round shows on the later ones);
    any other step answers 404."""
    round_ = get_round_for(user, round_pk, need=Role.FACILITATOR)
    step = (
        ActionStep.objects.select_related("plan__round", "plan__key_action")
        .filter(pk=step_pk, plan__round__team_id=round_.team_id)
        .first()
    )
    if step is None:
        raise Http404
    return round_, step
