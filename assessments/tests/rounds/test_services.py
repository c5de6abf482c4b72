from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from assessments.exceptions import StateConflict
from assessments.models import MessageKind, Round, RoundStatus, SentMessage
from assessments.rating.services import response_submit
from assessments.rounds import services as round_services
from assessments.rounds.services import (
    round_close,
    round_create,
    round_open,
    round_reopen,
    round_update,
    rounds_close_due,
    rounds_open_due,
    rounds_remind_due,
)
from assessments.tests.factories import RoundFactory, answer_all, invite, lbc_rubrics
from convening.tests.factories import OrganizationFactory
from rubrics.models import Rubric

pytestmark = pytest.mark.django_db

# Creating and editing rounds


def test_round_create_attaches_and_freezes_rubrics(team):
    custom = Rubric.objects.create(organization=team.organization, slug="x", title="X", row_heading="R")
    round_ = RoundFactory(team=team, rubrics=[*lbc_rubrics(), custom])
    assert list(round_.rubrics.order_by("round_rubrics__position")) == [*lbc_rubrics(), custom]
    custom.refresh_from_db()
    assert custom.frozen
    assert round_.status == RoundStatus.DRAFT
    assert round_.organization_id == team.organization_id


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"threshold": 2}, "threshold"),
        ({"rubrics": []}, "rubrics"),
        ({"closes_at": timezone.now() - timedelta(days=3)}, "closes_at"),
    ],
)
def test_round_create_refuses_bad_input_and_saves_nothing(team, change, field):
    fields = {
        "team": team,
        "name": "Spring",
        "rubrics": lbc_rubrics(),
        "opens_at": timezone.now(),
        "closes_at": timezone.now() + timedelta(days=3),
        "threshold": 5,
    } | change
    with pytest.raises(ValidationError) as error:
        round_create(**fields)
    assert field in error.value.message_dict
    assert Round.objects.count() == 0


def test_round_create_refuses_another_organizations_rubric(team):
    foreign = Rubric.objects.create(organization=OrganizationFactory(), slug="f", title="F", row_heading="R")
    with pytest.raises(ValidationError):
        RoundFactory(team=team, rubrics=[foreign])
    assert Round.objects.count() == 0
    foreign.refresh_from_db()
    assert not foreign.frozen


def test_rubrics_and_threshold_are_fixed_once_ratings_exist(open_round):
    (invitation,) = invite(open_round)
    answer_all(invitation)
    fields = {
        "name": "Renamed",
        "opens_at": open_round.opens_at,
        "closes_at": open_round.closes_at,
        "share_results": True,
        "reminder_days_before": 2,
    }
    with pytest.raises(ValidationError, match="cannot change once ratings exist"):
        round_update(round=open_round, rubrics=lbc_rubrics()[:1], threshold=5, **fields)
    with pytest.raises(ValidationError, match="cannot change once ratings exist"):
        round_update(round=open_round, rubrics=lbc_rubrics(), threshold=7, **fields)
    open_round.refresh_from_db()
    assert (open_round.name, open_round.threshold, open_round.rubrics.count()) == (open_round.name, 5, 2)
    # Everything else may still change.
    round_update(round=open_round, rubrics=lbc_rubrics(), threshold=5, **fields)
    open_round.refresh_from_db()
    assert (open_round.name, open_round.share_results) == ("Renamed", True)


# Status transitions


def test_open_close_reopen(draft):
    round_open(round=draft)
    assert draft.status == RoundStatus.OPEN and draft.opened_at
    round_close(round=draft)
    assert draft.status == RoundStatus.CLOSED and draft.closed_at
    new_close = timezone.now() + timedelta(days=2)
    round_reopen(round=draft, closes_at=new_close)
    assert draft.status == RoundStatus.OPEN and draft.closes_at == new_close and draft.closed_at is None


@pytest.mark.parametrize(
    ("status", "action"),
    [
        (RoundStatus.OPEN, "round_open"),
        (RoundStatus.CLOSED, "round_open"),
        (RoundStatus.DRAFT, "round_close"),
        (RoundStatus.CLOSED, "round_close"),
    ],
)
def test_forbidden_transitions_change_nothing(draft, status, action):
    Round.objects.filter(pk=draft.pk).update(status=status)
    draft.refresh_from_db()
    with pytest.raises(StateConflict):
        getattr(round_services, action)(round=draft)
    draft.refresh_from_db()
    assert draft.status == status


@pytest.mark.parametrize("status", [RoundStatus.DRAFT, RoundStatus.OPEN])
def test_only_a_closed_round_reopens(draft, status):
    Round.objects.filter(pk=draft.pk).update(status=status)
    with pytest.raises(StateConflict):
        round_reopen(round=draft, closes_at=timezone.now() + timedelta(days=1))


def test_reopen_needs_a_future_closing_date(open_round):
    round_close(round=open_round)
    with pytest.raises(ValidationError):
        round_reopen(round=open_round, closes_at=timezone.now() - timedelta(minutes=1))
    open_round.refresh_from_db()
    assert open_round.status == RoundStatus.CLOSED


def test_beat_opens_and_closes_at_the_dates_exactly_once(team):
    now = timezone.now()
    due = RoundFactory(team=team, opens_at=now - timedelta(minutes=1), closes_at=now + timedelta(days=1))
    later = RoundFactory(team=team, opens_at=now + timedelta(hours=1), closes_at=now + timedelta(days=1))
    assert rounds_open_due(now=now) == [due.pk]
    assert rounds_open_due(now=now) == []  # a second tick finds nothing to do
    assert rounds_close_due(now=now) == []
    assert rounds_close_due(now=now + timedelta(days=1)) == [due.pk]
    assert rounds_close_due(now=now + timedelta(days=1)) == []
    later.refresh_from_db()
    due.refresh_from_db()
    assert (later.status, due.status) == (RoundStatus.DRAFT, RoundStatus.CLOSED)


def test_a_stale_copy_cannot_open_a_round_twice(draft):
    stale = Round.objects.get(pk=draft.pk)
    round_open(round=draft)
    with pytest.raises(StateConflict):
        round_open(round=stale)


def test_automatic_reminder_goes_once_to_those_who_have_not_submitted(team, django_capture_on_commit_callbacks):
    now = timezone.now()
    round_ = RoundFactory(team=team, closes_at=now + timedelta(days=2), reminder_days_before=3)
    round_open(round=round_)
    done, pending = invite(round_), invite(round_)
    answer_all(done[0])
    response_submit(invitation=done[0])
    SentMessage.objects.all().delete()
    assert rounds_remind_due(now=now) == [round_.pk]
    assert rounds_remind_due(now=now) == []
    assert list(SentMessage.objects.values_list("invitation_id", "kind")) == [(pending[0].pk, MessageKind.REMINDER)]


def test_automatic_reminder_waits_for_its_day(team):
    now = timezone.now()
    round_ = RoundFactory(team=team, closes_at=now + timedelta(days=5), reminder_days_before=3)
    round_open(round=round_)
    assert rounds_remind_due(now=now) == []
