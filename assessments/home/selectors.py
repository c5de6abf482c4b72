"""What the home page lists for the person to do next: for facilitators, the
rounds and steps of the organization that wait for them; for leads, each
team's latest round and how its key actions moved since the team's previous
one. Each is a fixed number of queries whatever the number of teams and
rounds; the caller decides who may read it (`round.manage`, `team.read`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from django.db.models import Exists, F, OuterRef, Q, QuerySet, Window
from django.db.models.functions import RowNumber
from django.utils import timezone

from assessments.history.selectors import (
    Change,
    KeyActionRef,
    ended_at,
    n_and_median,
    released_counts,
    rubrics_of_rounds,
)
from assessments.models import ActionStep, Consensus, Round, RoundStatus, StepStatus
from assessments.rounds.selectors import with_response_counts
from convening.models import Organization, Team
from convening.selectors import teams_for
from rubrics import localization


@dataclass(frozen=True)
class OpenRound:
    round: Round  # with `invited_count` and `submitted_count`
    days_left: int  # whole days until the closing day, where the organization works; 0 on that day


@dataclass(frozen=True)
class FacilitatorHome:
    open_rounds: list[OpenRound]  # closing soonest first
    drafts: list[Round]  # opening soonest first
    closed_without_consensus: list[Round]  # closed most recently first
    overdue_steps: list[ActionStep]  # due longest ago first

    @property
    def is_empty(self) -> bool:
        return not (self.open_rounds or self.drafts or self.closed_without_consensus or self.overdue_steps)


def facilitator_home(
    *, organization: Organization, now: datetime | None = None, language: str | None = None
) -> FacilitatorHome:
    """The organization's open rounds with their response counts and days
    left, its drafts, its closed rounds where no key action has a consensus,
    and its action steps not done past their due date (key actions titled in
    `language` where their rubric has a translation into it): two queries."""
    # Days are those where the organization works, whoever looks.
    zone = ZoneInfo(organization.time_zone)
    today = timezone.localtime(now or timezone.now(), zone).date()
    has_consensus = Exists(Consensus.objects.filter(round=OuterRef("pk")))
    rounds = with_response_counts(
        Round.objects.filter(organization=organization).filter(
            Q(status__in=[RoundStatus.OPEN, RoundStatus.DRAFT]) | Q(status=RoundStatus.CLOSED) & ~has_consensus
        )
    ).select_related("team")
    open_rounds: list[OpenRound] = []
    drafts: list[Round] = []
    closed: list[Round] = []
    # Newest end first: the closed rounds' order; the open ones' is its reverse.
    for round_ in rounds.annotate(ended_at=ended_at()).order_by("-ended_at", "-pk"):
        if round_.status == RoundStatus.OPEN:
            # A round past its closing time closes at the beat's next tick: it closes today.
            days_left = max((timezone.localtime(round_.closes_at, zone).date() - today).days, 0)
            open_rounds.insert(0, OpenRound(round=round_, days_left=days_left))
        elif round_.status == RoundStatus.DRAFT:
            drafts.append(round_)
        else:
            closed.append(round_)
    drafts.sort(key=lambda round_: (round_.opens_at, round_.pk))
    return FacilitatorHome(
        open_rounds=open_rounds,
        drafts=drafts,
        closed_without_consensus=closed,
        overdue_steps=_overdue_steps(organization, today, language=language or localization.original_language()),
    )


def _overdue_steps(organization: Organization, today: date, *, language: str) -> list[ActionStep]:
    steps = localization.with_translation_of(
        ActionStep.objects.filter(plan__round__organization=organization, due_date__lt=today)
        .exclude(status=StepStatus.DONE)
        .select_related("plan__round__team", "plan__key_action")
        .order_by("due_date", "pk"),
        relation="plan__key_action__rubric",
        language=language,
    )
    read = list(steps)
    for step in read:
        texts = getattr(step, "rubric_translation_texts", None)
        if texts is not None:
            key_action = step.plan.key_action
            titles = {row["position"]: row["title"] for row in texts["key_actions"]}
            key_action.title = titles[key_action.position]
    return read


@dataclass(frozen=True)
class Movement:
    """How many key actions' medians moved between two rounds, of those both show."""

    up: int
    down: int
    same: int

    @property
    def compared(self) -> int:
        return self.up + self.down + self.same


@dataclass(frozen=True)
class TeamLatest:
    team: Team  # with `member_count`
    round: Round | None  # the latest round open or closed; with `invited_count` and `submitted_count`
    previous: Round | None  # the closed round before it
    shown: bool  # its results may be read now (closed, or revealed while open)
    released: bool  # and it has figures (SPEC §5.1: enough respondents)
    movement: Movement | None  # since `previous`, when both rounds have figures


def _latest_and_previous(organization: Organization) -> QuerySet[Round]:
    """Per team, its latest round open or closed and its two latest closed
    ones (the previous round is among them), ranked in SQL."""
    ranked = Round.objects.filter(
        organization=organization, status__in=[RoundStatus.OPEN, RoundStatus.CLOSED]
    ).annotate(
        ended_at=ended_at(),
        rank=Window(RowNumber(), partition_by=[F("team_id")], order_by=[F("ended_at").desc(), F("pk").desc()]),
        rank_in_status=Window(
            RowNumber(), partition_by=[F("team_id"), F("status")], order_by=[F("ended_at").desc(), F("pk").desc()]
        ),
    )
    wanted = ranked.filter(Q(rank=1) | Q(status=RoundStatus.CLOSED, rank_in_status__lte=2)).values("pk")
    return with_response_counts(Round.objects.filter(pk__in=wanted)).annotate(ended_at=ended_at())


def _results_shown(round_: Round) -> bool:
    """Whether those who read results may read the round's now (SPEC §3)."""
    return round_.status == RoundStatus.CLOSED or round_.results_revealed


def lead_home(*, organization: Organization) -> list[TeamLatest]:
    """Each team of the organization (by name) with its latest round and the
    movement of its key actions' medians since the team's previous closed
    round, from the rounds' current releases as the team's history reads
    them (SPEC §5.1): six queries while the releases are fresh (the teams,
    the rounds, their rubrics with levels and key actions, the releases)."""
    teams = list(teams_for(organization=organization))
    by_team: dict[int, list[Round]] = {}
    for round_ in _latest_and_previous(organization).order_by("-ended_at", "-pk"):
        by_team.setdefault(round_.team_id, []).append(round_)
    pairs = {
        team_id: (rounds[0], next((round_ for round_ in rounds[1:] if round_.status == RoundStatus.CLOSED), None))
        for team_id, rounds in by_team.items()
    }
    # Only rounds whose results may be read now are read, and so recorded as shown.
    visible = [round_ for pair in pairs.values() for round_ in pair if round_ is not None and _results_shown(round_)]
    round_rubrics = rubrics_of_rounds([round_.pk for round_ in visible], language=localization.original_language())
    counts, released = released_counts(visible, round_rubrics)
    medians: dict[int, dict[KeyActionRef, float | None]] = {}
    for round_rubric in round_rubrics:
        levels = len(round_rubric.rubric.levels.all())
        for key_action in round_rubric.rubric.key_actions.all():
            ref = (round_rubric.rubric.slug, key_action.position)
            counted = counts.get((round_rubric.round_id, ref), {})
            medians.setdefault(round_rubric.round_id, {})[ref] = n_and_median(counted, levels)[1]

    home = []
    for team in teams:
        newest, previous = pairs.get(team.pk, (None, None))
        figures = newest is not None and newest.pk in released
        movement = None
        if newest is not None and figures and previous is not None and previous.pk in released:
            movement = _movement(medians.get(newest.pk, {}), medians.get(previous.pk, {}))
        home.append(
            TeamLatest(
                team=team,
                round=newest,
                previous=previous,
                shown=newest is not None and _results_shown(newest),
                released=figures,
                movement=movement,
            )
        )
    return home


def _movement(current: dict[KeyActionRef, float | None], previous: dict[KeyActionRef, float | None]) -> Movement:
    """Key actions both rounds rated and show a median of, by the direction it moved."""
    directions = [
        Change(delta=median - before).direction
        for ref, median in current.items()
        if median is not None and (before := previous.get(ref)) is not None
    ]
    return Movement(up=directions.count("up"), down=directions.count("down"), same=directions.count("same"))
