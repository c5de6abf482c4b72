"""Hand-made rounds and ratings for the history, overview, export and report
tests: closed rounds at chosen dates, and paper respondents (bulk-created,
so twenty rounds or teams stay fast) answering exactly what a test says."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.utils import timezone

from assessments.models import Consensus, Rating, Response, Round, RoundStatus
from assessments.results.releases import results_changed
from assessments.tests.factories import RoundFactory
from convening.models import StakeholderGroup
from rubrics.models import Rubric

CAE = "creating-active-engagement"
BSD = "building-support-through-data"


def lbc(slug: str) -> Rubric:
    return Rubric.objects.get(organization__isnull=True, slug=slug)


def closed_round(team, *, closed_at: datetime, rubrics=None, name: str | None = None, threshold: int = 5) -> Round:
    """A round of `team` that closed (by hand) at `closed_at`."""
    round_ = RoundFactory.create(
        team=team,
        rubrics=rubrics if rubrics is not None else [lbc(CAE)],
        opens_at=closed_at - timedelta(days=30),
        closes_at=closed_at + timedelta(days=1),
        threshold=threshold,
        **({"name": name} if name else {}),
    )
    Round.objects.filter(pk=round_.pk).update(status=RoundStatus.CLOSED, closed_at=closed_at)
    round_.refresh_from_db()
    return round_


def respond(
    round_: Round,
    group_name: str,
    answers: list[dict[int, int | None]],
    *,
    slug: str = CAE,
    submitted=True,
    times: int = 1,
):
    """One paper respondent of `group_name` per dict of answers (`times`
    respondents each): key action position → level position, or None for
    "Not sure". Repeating every answer keeps medians and consensus as they
    are while the round reaches its anonymity threshold. Returns the responses."""
    answers = [answer for answer in answers for _copy in range(times)]
    group = StakeholderGroup.objects.get(organization=round_.organization, name=group_name)
    rubric = round_.rubrics.get(slug=slug)
    start = Response.objects.filter(round=round_).count()
    responses = Response.objects.bulk_create(
        Response(
            round=round_,
            respondent_code=f"P-{start + i:05d}",
            stakeholder_group=group,
            entered_by_proxy=True,
            submitted_at=timezone.now() if submitted else None,
        )
        for i in range(len(answers))
    )
    key_actions = {key_action.position: key_action for key_action in rubric.key_actions.all()}
    levels = {level.position: level for level in rubric.levels.all()}
    Rating.objects.bulk_create(
        Rating(
            response=response,
            key_action=key_actions[position],
            level=levels.get(level) if level is not None else None,
            not_sure=level is None,
        )
        for response, answer in zip(responses, answers, strict=True)
        for position, level in answer.items()
    )
    results_changed(round_id=round_.pk, response_ids=[response.pk for response in responses])  # as the services do
    return responses


def agree(round_: Round, position: int, level: int, *, slug: str = CAE) -> Consensus:
    rubric = round_.rubrics.get(slug=slug)
    return Consensus.objects.create(
        round=round_, key_action=rubric.key_actions.get(position=position), level=rubric.levels.get(position=level)
    )
