import socket
from unittest import mock

import pytest
from celery.exceptions import TimeoutError as CeleryTimeoutError
from django.core.management import CommandError, call_command

from convening.celery import app as celery_app
from convening.tasks import ping


def test_ping_runs_eagerly_without_a_broker():
    result = ping.apply_async()
    assert result.get(timeout=1) == {"pong": socket.gethostname()}


def test_check_worker_refuses_to_prove_anything_in_eager_mode():
    with pytest.raises(CommandError, match="CELERY_BROKER_URL is not set"):
        call_command("check_worker")


def test_check_worker_reports_a_silent_worker(monkeypatch):
    monkeypatch.setitem(celery_app.conf, "task_always_eager", False)
    unanswered = mock.Mock(**{"get.side_effect": CeleryTimeoutError()})
    with (
        mock.patch.object(celery_app, "connection_for_write"),
        mock.patch.object(ping, "apply_async", return_value=unanswered),
        pytest.raises(CommandError, match=r"No Celery worker answered the ping within 0\.5 s"),
    ):
        call_command("check_worker", "--timeout", "0.5")
    unanswered.get.assert_called_once_with(timeout=0.5)
