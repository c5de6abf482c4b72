"""Reminders by hand are throttled per round: clicking "remind" again soon
after sends nothing and says when the next one may go; the round's page says
when the last reminder went (read from the messages sent, no new field)."""

from datetime import timedelta

import pytest
from django.core import mail
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from assessments.exceptions import StateConflict
from assessments.models import MessageKind, SentMessage
from assessments.rounds.selectors import round_last_reminder
from assessments.rounds.services import REMINDER_INTERVAL, round_open, round_remind, rounds_remind_due
from assessments.tests.factories import RoundFactory, invite
from assessments.tests.rating.test_concurrency import at_once
from convening.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _reminders() -> int:
    return SentMessage.objects.filter(kind=MessageKind.REMINDER).count()


def test_three_clicks_remind_once(client, facilitator, open_round, django_capture_on_commit_callbacks):
    invite(open_round, UserFactory(), UserFactory(), UserFactory())
    mail.outbox.clear()
    client.force_login(facilitator)
    url = reverse("assessments:round_remind", args=[open_round.pk])
    with django_capture_on_commit_callbacks(execute=True):
        responses = [client.post(url) for _ in range(3)]
    assert [r.status_code for r in responses] == [302, 409, 409]
    assert len(mail.outbox) == 3
    assert _reminders() == 3
    page = responses[1].content.decode()
    assert "A reminder was sent" in page and "minutes" in page


def test_a_refused_reminder_sends_nothing(open_round, django_capture_on_commit_callbacks):
    invite(open_round)
    now = timezone.now()
    with django_capture_on_commit_callbacks(execute=True):
        round_remind(round=open_round, now=now)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(StateConflict):
        round_remind(round=open_round, now=now + REMINDER_INTERVAL - timedelta(seconds=1))
    assert mail.outbox == []
    assert _reminders() == 1


def test_a_reminder_may_go_again_after_the_interval(open_round):
    invite(open_round)
    now = timezone.now()
    assert round_remind(round=open_round, now=now) == 1
    SentMessage.objects.update(created_at=now - REMINDER_INTERVAL)
    assert round_remind(round=open_round, now=now) == 1
    assert _reminders() == 2


def test_the_automatic_reminder_counts_as_the_last_one(team):
    now = timezone.now()
    round_ = RoundFactory(team=team, closes_at=now + timedelta(days=2), reminder_days_before=3)
    round_open(round=round_, now=now)
    invite(round_)
    assert rounds_remind_due(now=now) == [round_.pk]
    with pytest.raises(StateConflict):
        round_remind(round=round_, now=now)


def test_the_round_page_says_when_the_last_reminder_went(client, facilitator, open_round):
    invite(open_round)
    client.force_login(facilitator)
    page = client.get(reverse("assessments:round_detail", args=[open_round.pk])).content.decode()
    assert "Last reminder" in page and "None sent yet" in page
    assert round_last_reminder(round=open_round) is None
    round_remind(round=open_round)
    last = round_last_reminder(round=open_round)
    assert last is not None
    page = client.get(reverse("assessments:round_detail", args=[open_round.pk])).content.decode()
    assert "None sent yet" not in page


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="needs concurrent transactions: DATABASE_URL=postgres://…"
)
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_three_simultaneous_clicks_remind_once(team):
    round_ = RoundFactory(team=team)
    round_open(round=round_)
    invite(round_, UserFactory(), UserFactory())
    results = at_once(*[lambda: round_remind(round=round_) for _ in range(3)])
    assert sorted(type(result).__name__ for result in results) == ["StateConflict", "StateConflict", "int"]
    assert _reminders() == 2
