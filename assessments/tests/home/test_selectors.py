"""What the home page lists for facilitators and leads, on hand-made data:
days left where the organization works, response counts as the round's page
counts them, rounds without consensus, overdue steps, and each team's latest
round with how its medians moved since the previous one (SPEC §5.1: only
from releases that may be shown)."""

from datetime import UTC, date, datetime, timedelta

import pytest
from django.utils import timezone

from assessments.home.selectors import Movement, facilitator_home, lead_home
from assessments.invitations.services import invitation_revoke
from assessments.models import ActionPlan, ActionStep, Release, Round, RoundStatus, StepStatus
from assessments.rating.services import response_submit
from assessments.rounds.selectors import round_progress
from assessments.tests.factories import RoundFactory, answer_all, invite
from assessments.tests.history_data import BSD, CAE, agree, closed_round, lbc, respond
from convening.tests.factories import TeamFactory
from rubrics.models import RubricTranslation

pytestmark = pytest.mark.django_db

# 06:00 in UTC is still the evening before in Los Angeles (UTC−8 in January).
NOW = datetime(2027, 1, 15, 6, 0, tzinfo=UTC)
LA_TODAY = date(2027, 1, 14)


@pytest.fixture
def la_org(org):
    org.time_zone = "America/Los_Angeles"
    org.save()
    return org


def _open(organization, *, closes_at, name=None, now=NOW, team=None):
    """An open round (of a team of its own unless `team`), opened a week before `now`."""
    round_ = RoundFactory(
        team=team or TeamFactory(organization=organization),
        opens_at=now - timedelta(days=7),
        closes_at=closes_at,
        **({"name": name} if name else {}),
    )
    Round.objects.filter(pk=round_.pk).update(status=RoundStatus.OPEN, opened_at=now - timedelta(days=7))
    round_.refresh_from_db()
    return round_


def _draft(team, *, opens_at):
    return RoundFactory(team=team, opens_at=opens_at, closes_at=opens_at + timedelta(days=14))


def _step(round_, *, due_date, status=StepStatus.OPEN, description="A step", owner=""):
    rubric = round_.rubrics.get(slug=CAE)
    plan, _created = ActionPlan.objects.get_or_create(
        round=round_,
        key_action=rubric.key_actions.get(position=1),
        defaults={"target_level": rubric.levels.get(position=3)},
    )
    return ActionStep.objects.create(plan=plan, description=description, owner=owner, due_date=due_date, status=status)


def test_days_left_count_the_days_where_the_organization_works(la_org):
    # 01:00 on the 15th in Los Angeles: tomorrow there, though the same day in UTC.
    tomorrow = _open(la_org, closes_at=datetime(2027, 1, 15, 9, 0, tzinfo=UTC), name="Tomorrow")
    # 23:30 on the 14th in Los Angeles: today there, though tomorrow in UTC.
    today = _open(la_org, closes_at=datetime(2027, 1, 15, 7, 30, tzinfo=UTC), name="Today")
    later = _open(la_org, closes_at=datetime(2027, 1, 18, 6, 30, tzinfo=UTC), name="Later")

    home = facilitator_home(organization=la_org, now=NOW)

    assert [(item.round, item.days_left) for item in home.open_rounds] == [(today, 0), (tomorrow, 1), (later, 3)]


def test_a_round_past_its_closing_time_not_closed_yet_closes_today(la_org):
    late = _open(la_org, closes_at=NOW - timedelta(minutes=5))
    (item,) = facilitator_home(organization=la_org, now=NOW).open_rounds
    assert (item.round, item.days_left) == (late, 0)


def test_response_counts_leave_out_revoked_invitations_as_the_rounds_page_does(org):
    round_ = _open(org, closes_at=timezone.now() + timedelta(days=10), now=timezone.now())
    submitted, withdrawn, waiting = invite(round_) + invite(round_) + invite(round_)
    for invitation in (submitted, withdrawn):
        answer_all(invitation)
        response_submit(invitation=invitation)
    invitation_revoke(invitation=withdrawn)

    (item,) = facilitator_home(organization=org).open_rounds

    _groups, total = round_progress(round=round_)
    assert (item.round.invited_count, item.round.submitted_count) == (2, 1) == (total.invited, total.submitted)
    assert waiting.revoked_at is None


def test_drafts_are_listed_by_their_planned_opening(org):
    later = _draft(TeamFactory(organization=org), opens_at=NOW + timedelta(days=9))
    sooner = _draft(TeamFactory(organization=org), opens_at=NOW + timedelta(days=2))
    home = facilitator_home(organization=org, now=NOW)
    assert home.drafts == [sooner, later]
    assert home.open_rounds == [] and home.closed_without_consensus == []


def test_closed_rounds_are_listed_until_a_key_action_has_a_consensus(org):
    team = TeamFactory(organization=org)
    older = closed_round(team, closed_at=NOW - timedelta(days=60), name="Older")
    newer = closed_round(team, closed_at=NOW - timedelta(days=5), name="Newer")
    agreed = closed_round(team, closed_at=NOW - timedelta(days=30), name="Agreed")
    agree(agreed, 3, 2)  # one key action is enough

    home = facilitator_home(organization=org, now=NOW)

    assert home.closed_without_consensus == [newer, older]
    assert home.closed_without_consensus[0].ended_at == newer.closed_at


def test_overdue_steps_are_those_not_done_before_today_where_the_organization_works(la_org):
    round_ = closed_round(TeamFactory(organization=la_org), closed_at=NOW - timedelta(days=40))
    agree(round_, 1, 2)
    long_ago = _step(round_, due_date=LA_TODAY - timedelta(days=20), status=StepStatus.IN_PROGRESS, owner="Grace")
    yesterday = _step(round_, due_date=LA_TODAY - timedelta(days=1))
    _step(round_, due_date=LA_TODAY)  # due today in Los Angeles (yesterday in UTC): not overdue yet
    _step(round_, due_date=LA_TODAY - timedelta(days=3), status=StepStatus.DONE)
    _step(round_, due_date=None)

    home = facilitator_home(organization=la_org, now=NOW)

    assert home.overdue_steps == [long_ago, yesterday]
    step = home.overdue_steps[0]
    assert step.plan.round == round_ and step.plan.round.team == round_.team
    assert step.plan.key_action.title == round_.rubrics.get(slug=CAE).key_actions.get(position=1).title
    assert home.closed_without_consensus == []


def test_overdue_steps_name_their_key_action_in_the_readers_language(org, spanish):
    cae = lbc(CAE)
    RubricTranslation.objects.get_or_create(rubric=cae, language="es", defaults={"texts": spanish})
    round_ = closed_round(TeamFactory(organization=org), closed_at=NOW - timedelta(days=40))
    _step(round_, due_date=date(2026, 1, 1))

    (step,) = facilitator_home(organization=org, now=NOW, language="es").overdue_steps

    title = next(row["title"] for row in spanish["key_actions"] if row["position"] == 1)
    assert step.plan.key_action.title == title


def test_another_organizations_rounds_and_steps_never_appear(org, other_org):
    _open(other_org, closes_at=NOW + timedelta(days=3))
    _draft(TeamFactory(organization=other_org), opens_at=NOW + timedelta(days=2))
    closed = closed_round(TeamFactory(organization=other_org), closed_at=NOW - timedelta(days=5))
    _step(closed, due_date=date(2026, 1, 1))

    assert facilitator_home(organization=org, now=NOW).is_empty
    assert not facilitator_home(organization=other_org, now=NOW).is_empty
    assert lead_home(organization=org) == []


# The lead's home. Key action 1 moves up, 2 down, 3 stays; 4 is rated in the newer round only.
OLDER = [{1: 1, 2: 3, 3: 2}]
NEWER = [{1: 2, 2: 2, 3: 2, 4: 3}]


def _latest(home, team):
    return next(item for item in home if item.team == team)


def test_a_teams_latest_closed_round_with_its_medians_moves_since_the_previous(org):
    team = TeamFactory(organization=org, name="Alpha")
    oldest = closed_round(team, closed_at=NOW - timedelta(days=400))
    respond(oldest, "Family", [{1: 4, 2: 4, 3: 4}], times=5)  # two rounds back: not compared
    previous = closed_round(team, closed_at=NOW - timedelta(days=200))
    respond(previous, "Family", OLDER, times=5)
    latest = closed_round(team, closed_at=NOW - timedelta(days=10))
    respond(latest, "Family", NEWER, times=5)

    item = _latest(lead_home(organization=org), team)

    assert (item.round, item.previous) == (latest, previous)
    assert item.shown and item.released
    assert item.movement == Movement(up=1, down=1, same=1)
    assert item.movement.compared == 3


def test_an_open_rounds_results_stay_hidden_and_unreleased_until_it_closes(org):
    team = TeamFactory(organization=org)
    previous = closed_round(team, closed_at=NOW - timedelta(days=200))
    respond(previous, "Family", OLDER, times=5)
    current = _open(org, closes_at=timezone.now() + timedelta(days=3), now=timezone.now(), team=team)
    respond(current, "Family", NEWER, times=5)

    item = _latest(lead_home(organization=org), team)

    assert item.round == current and item.previous == previous
    assert not item.shown and not item.released and item.movement is None
    assert not Release.objects.filter(round=current).exists()


def test_an_open_round_revealed_moves_from_its_team_figures(org):
    team = TeamFactory(organization=org)
    previous = closed_round(team, closed_at=NOW - timedelta(days=200))
    respond(previous, "Family", OLDER, times=5)
    current = _open(org, closes_at=timezone.now() + timedelta(days=3), now=timezone.now(), team=team)
    Round.objects.filter(pk=current.pk).update(results_revealed=True)
    current.refresh_from_db()
    respond(current, "Family", NEWER, times=5)

    item = _latest(lead_home(organization=org), team)

    assert item.round == current and item.shown and item.released
    assert item.movement == Movement(up=1, down=1, same=1)
    # Shown while open: the team's figures only, never its groups'.
    release = Release.objects.get(round=current, is_current=True)
    assert release.shown_at is not None and release.groups_shown_at is None


def test_rounds_without_figures_are_not_compared(org):
    too_few = TeamFactory(organization=org, name="Too few")
    round_ = closed_round(too_few, closed_at=NOW - timedelta(days=10))
    respond(round_, "Family", NEWER, times=2)
    previous_too_few = TeamFactory(organization=org, name="Previous too few")
    before = closed_round(previous_too_few, closed_at=NOW - timedelta(days=100))
    respond(before, "Family", OLDER, times=2)
    after = closed_round(previous_too_few, closed_at=NOW - timedelta(days=10))
    respond(after, "Family", NEWER, times=5)
    first = TeamFactory(organization=org, name="First")
    only = closed_round(first, closed_at=NOW - timedelta(days=10))
    respond(only, "Family", NEWER, times=5)
    other_rubric = TeamFactory(organization=org, name="Other rubric")
    data = closed_round(other_rubric, closed_at=NOW - timedelta(days=100), rubrics=[lbc(BSD)])
    respond(data, "Family", [{1: 2}], slug=BSD, times=5)
    engagement = closed_round(other_rubric, closed_at=NOW - timedelta(days=10))
    respond(engagement, "Family", NEWER, times=5)
    _draft(TeamFactory(organization=org, name="Drafts only"), opens_at=NOW + timedelta(days=2))

    home = {item.team.name: item for item in lead_home(organization=org)}

    assert list(home) == ["Drafts only", "First", "Other rubric", "Previous too few", "Too few"]
    assert home["Too few"].shown and not home["Too few"].released and home["Too few"].movement is None
    assert home["Previous too few"].released and home["Previous too few"].previous == before
    assert home["Previous too few"].movement is None
    assert home["First"].released and home["First"].previous is None and home["First"].movement is None
    assert home["Other rubric"].movement == Movement(up=0, down=0, same=0)
    assert home["Drafts only"].round is None and home["Drafts only"].movement is None
