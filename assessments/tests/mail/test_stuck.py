"""Messages whose worker died mid-send (or whose task was lost): the beat
sweep sends them again, at most once more each time, or gives up and says so."""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from assessments.mail.delivery import MESSAGE_MAX_ATTEMPTS
from assessments.mail.tasks import sweep_stuck_messages
from assessments.models import MessageStatus, SentMessage
from assessments.tests.factories import invite

pytestmark = pytest.mark.django_db


def _left(round_, *, seconds_ago, attempts=0, status=MessageStatus.PENDING):
    """A message as a worker killed mid-send leaves it: pending, no attempt recorded."""
    (invitation,) = invite(round_)  # enqueued on commit, which this test never reaches
    message = SentMessage.objects.get(invitation=invitation)
    SentMessage.objects.filter(pk=message.pk).update(
        status=status, attempts=attempts, queued_at=timezone.now() - timedelta(seconds=seconds_ago)
    )
    return message


def test_a_message_left_pending_past_the_time_limit_is_sent_once_by_the_sweep(open_round, settings):
    message = _left(open_round, seconds_ago=settings.CELERY_TASK_TIME_LIMIT + 1)

    sweep_stuck_messages()  # beat's task; without a broker the delivery it enqueues runs at once
    sweep_stuck_messages()  # the next tick finds it sent

    message.refresh_from_db()
    assert message.status == MessageStatus.SENT
    assert [m.to for m in mail.outbox] == [[message.recipient]]
    assert message.attempts == 2  # the lost attempt is counted


def test_the_sweep_leaves_a_message_within_its_time_limit_alone(open_round, settings):
    message = _left(open_round, seconds_ago=settings.CELERY_TASK_TIME_LIMIT - 5)
    sweep_stuck_messages()
    message.refresh_from_db()
    assert (message.status, message.attempts) == (MessageStatus.PENDING, 0)
    assert mail.outbox == []


def test_a_message_that_stuck_too_often_is_marked_failed_with_why(open_round, settings):
    message = _left(open_round, seconds_ago=settings.CELERY_TASK_TIME_LIMIT + 1, attempts=MESSAGE_MAX_ATTEMPTS)
    sweep_stuck_messages()
    message.refresh_from_db()
    assert message.status == MessageStatus.FAILED and "stopped" in message.error
    assert mail.outbox == []


def test_the_sweep_leaves_sent_and_failed_messages_alone(open_round, settings):
    sent = _left(open_round, seconds_ago=settings.CELERY_TASK_TIME_LIMIT + 1, status=MessageStatus.SENT)
    failed = _left(open_round, seconds_ago=settings.CELERY_TASK_TIME_LIMIT + 1, status=MessageStatus.FAILED)
    sweep_stuck_messages()
    assert mail.outbox == []
    assert SentMessage.objects.get(pk=sent.pk).status == MessageStatus.SENT
    assert SentMessage.objects.get(pk=failed.pk).status == MessageStatus.FAILED


def test_the_broker_gives_a_task_back_just_after_the_longest_time_limit(settings):
    from convening.celery import app

    visibility = app.conf.broker_transport_options["visibility_timeout"]
    assert settings.CELERY_TASK_TIME_LIMIT < visibility <= settings.CELERY_TASK_TIME_LIMIT + 120
    # A retry's countdown is held unacknowledged by the worker: longer than the visibility timeout, it would be
    # handed to a second worker while the first still waits.
    from assessments.mail.tasks import deliver_message

    assert deliver_message.retry_backoff_max < visibility


def test_beat_runs_both_sweeps(settings):
    tasks = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert {"assessments.tasks.sweep_stuck_reports", "assessments.tasks.sweep_stuck_messages"} <= tasks
