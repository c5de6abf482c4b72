import json
import time
from unittest import mock

import pytest
from django.db import OperationalError
from django.urls import reverse

from convening.celery import app as celery_app
from tests.django_process import run_django

pytestmark = pytest.mark.django_db


def test_healthy_database(client):
    response = client.get(reverse("healthz"))
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}
    assert "no-cache" in response["Cache-Control"]


def test_database_failure_is_503(client):
    with mock.patch("convening.views.connection") as connection:
        connection.cursor.side_effect = OperationalError("connection refused")
        response = client.get(reverse("healthz"))
    assert response.status_code == 503
    assert response.json() == {"status": "error", "database": "error"}


def test_unreachable_broker_is_503_quickly(client, settings, monkeypatch):
    unreachable = "redis://127.0.0.1:1/0"
    # Celery reads its configuration from the settings once; both must agree, as they do in production.
    settings.CELERY_BROKER_URL = unreachable
    monkeypatch.setitem(celery_app.conf, "broker_url", unreachable)
    started = time.monotonic()
    response = client.get(reverse("healthz"))
    elapsed = time.monotonic() - started
    assert response.status_code == 503
    assert response.json() == {"status": "error", "database": "ok", "broker": "error"}
    # A load balancer probes with a timeout of a few seconds; a hanging check would read as a hung app.
    assert elapsed < 5, f"the broker check took {elapsed:.1f} s"


def test_database_outage_is_503():
    """A real outage rather than a mock: nothing listens on port 1."""
    result = run_django(
        "import django, json; django.setup(); from django.test import Client; "
        "response = Client(raise_request_exception=False, HTTP_HOST='localhost').get('/healthz'); "
        "print(json.dumps([response.status_code, response.content.decode()[:200]]))",
        DEBUG="true",
        DATABASE_URL="postgres://postgres@127.0.0.1:1/convening",
    )
    status, body = json.loads(result.stdout.strip().splitlines()[-1])
    assert status == 503, body
    assert json.loads(body) == {"status": "error", "database": "error"}
