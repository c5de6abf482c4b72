"""Redis makes Convening faster, never possible: with the cache unreachable,
people still open their links, rate, autosave and submit (sessions come from
the database), the link's rate limit answers instead of failing, and
/healthz says the cache is down while the site keeps serving."""

import json
import logging
import socket
import time
import uuid
from collections.abc import Iterator
from unittest import mock

import pytest
import redis
from django.db import OperationalError
from django.urls import reverse

from assessments.invitations.selectors import invitation_link_path
from assessments.models import Rating, Response
from assessments.rounds.services import round_open
from assessments.tests.factories import RoundFactory, invite
from convening import cache as cache_module
from convening.cache import SharedClientRedisCache
from convening.tests.factories import TeamFactory
from rubrics.models import KeyAction
from tests.django_process import run_django

DEAD_REDIS = "redis://127.0.0.1:6390/0"  # nothing listens there
LIVE_REDIS = "redis://127.0.0.1:6379/12"  # a database no other suite uses (CI: 14 and 15, bench: 13)
BACKEND = "convening.cache.SharedClientRedisCache"


@pytest.fixture
def redis_down(settings):
    """The production configuration (the project's Redis backend, sessions read
    through it) with the Redis gone."""
    settings.CACHES = {"default": {"BACKEND": BACKEND, "LOCATION": DEAD_REDIS}}
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"


@pytest.fixture
def open_round(org):
    round_ = RoundFactory(team=TeamFactory(organization=org))
    round_open(round=round_)
    return round_


@pytest.fixture
def live_redis() -> Iterator[str]:
    try:
        redis.Redis.from_url(LIVE_REDIS, socket_connect_timeout=0.5).ping()
    except redis.exceptions.ConnectionError:
        pytest.skip("needs Redis on 127.0.0.1:6379")
    prefix = f"test-{uuid.uuid4().hex}"
    yield prefix
    client = redis.Redis.from_url(LIVE_REDIS)
    for key in client.scan_iter(match=f"{prefix}:*"):
        client.delete(key)


def key_actions(round_):
    return list(KeyAction.objects.filter(rubric__round_rubrics__round=round_).order_by("rubric__slug", "position"))


def answer(key_action, position):
    """A first answer, as the page posts it: a level and evidence, each based on version 0 (nothing stored yet)."""
    prefix = f"ka-{key_action.pk}"
    return {
        f"{prefix}-level": str(key_action.rubric.levels.get(position=position).pk),
        f"{prefix}-level-version": "0",
        f"{prefix}-evidence": "Seen in the minutes",
        f"{prefix}-evidence-version": "0",
    }


# The site without its cache


@pytest.mark.django_db
def test_a_valid_link_opens_the_rating_page(redis_down, client, open_round):
    (invitation,) = invite(open_round)
    response = client.get(invitation_link_path(invitation))
    assert response.status_code == 302
    assert client.get(response["Location"]).status_code == 200


@pytest.mark.django_db
def test_autosave_the_form_and_submit_save(redis_down, client, open_round):
    (invitation,) = invite(open_round)
    assert client.get(invitation_link_path(invitation)).status_code == 302
    first, *others = key_actions(open_round)

    response = client.post(reverse("assessments:rate_one", args=[open_round.pk, first.pk]), answer(first, 3))
    assert response.status_code == 200
    assert Rating.objects.filter(key_action=first, level__position=3).exists()

    form = {name: value for key_action in others for name, value in answer(key_action, 2).items()}
    assert client.post(reverse("assessments:rate", args=[open_round.pk]), form).status_code == 302
    assert client.post(reverse("assessments:submit", args=[open_round.pk])).status_code == 302
    assert Response.objects.get(invitation=invitation).submitted_at is not None


@pytest.mark.django_db
def test_a_dead_link_still_says_why(redis_down, client, open_round):
    """Failed look-ups are not counted while the cache is down (the rate limit
    fails open): a person whose link is dead reads why, not "too many attempts"."""
    for attempt in range(3):
        response = client.get(reverse("assessments:link", args=[f"{attempt:064x}"]))
        assert response.status_code == 404
        assert "This link is not valid" in response.content.decode()


@pytest.mark.django_db
def test_healthz_reports_the_cache_down_and_the_site_up(redis_down, client):
    response = client.get(reverse("healthz"))
    assert response.status_code == 200
    assert response.json() == {"status": "degraded", "database": "ok", "cache": "error"}


@pytest.mark.django_db
def test_healthz_reports_a_reachable_cache(settings, client, live_redis):
    settings.CACHES = {"default": {"BACKEND": BACKEND, "LOCATION": LIVE_REDIS, "KEY_PREFIX": live_redis}}
    response = client.get(reverse("healthz"))
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "cache": "ok"}


def test_production_settings_with_redis_down_answer_healthz_degraded():
    """The real settings' path: CACHE_URL names a Redis where nothing listens."""
    result = run_django(
        "import django, json; django.setup(); from django.test import Client; "
        "response = Client(raise_request_exception=False, HTTP_HOST='localhost').get('/healthz'); "
        "print(json.dumps([response.status_code, response.content.decode()[:200]]))",
        DEBUG="true",
        DATABASE_URL="sqlite:///:memory:",
        CACHE_URL=DEAD_REDIS,
    )
    status, body = json.loads(result.stdout.strip().splitlines()[-1])
    assert (status, json.loads(body)) == (200, {"status": "degraded", "database": "ok", "cache": "error"})


# The backend


def test_the_backend_degrades_instead_of_raising():
    cache = SharedClientRedisCache(DEAD_REDIS, {})
    assert cache.get("k", "default") == "default"
    assert cache.set("k", 1) is None
    assert cache.add("k", 1) is False
    assert cache.touch("k") is False
    assert cache.delete("k") is False
    assert cache.get_many(["k", "l"]) == {}
    assert cache.set_many({"k": 1}) == []
    assert cache.delete_many(["k"]) is None
    assert cache.has_key("k") is False
    assert cache.get_or_set("k", "computed") == "computed"
    with pytest.raises(ValueError, match="not found"):
        cache.incr("k")  # as for any key the cache does not hold


def test_a_dead_redis_costs_microseconds_and_one_log_line_per_minute(caplog):
    cache = SharedClientRedisCache(DEAD_REDIS, {})
    with caplog.at_level(logging.WARNING, logger="convening.cache"):
        started = time.perf_counter()
        for _ in range(1000):
            cache.get("k")
        elapsed = time.perf_counter() - started
    assert elapsed < 0.5, f"1000 reads took {elapsed * 1000:.0f} ms"
    assert [record.levelno for record in caplog.records] == [logging.WARNING]
    assert "unreachable" in caplog.records[0].getMessage()


def test_a_redis_that_does_not_answer_costs_one_timeout_then_nothing():
    """A Redis that accepts the connection but never answers (a hung server, a
    full backlog): the socket timeout ends the first call, and the pause after
    it spares the next ones."""
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        cache = SharedClientRedisCache(f"redis://127.0.0.1:{silent.getsockname()[1]}/0", {})
        started = time.perf_counter()
        assert cache.get("k") is None
        first = time.perf_counter() - started
        started = time.perf_counter()
        for _ in range(100):
            assert cache.get("k") is None
        after = time.perf_counter() - started
    assert first < 1.5, f"the first call took {first:.2f} s"
    assert after < 0.05, f"100 calls during the pause took {after * 1000:.0f} ms"


def _outage(monkeypatch) -> None:
    def refuse(*args, **kwargs):
        raise redis.exceptions.ConnectionError("Connection refused")

    monkeypatch.setattr(redis.Redis, "execute_command", refuse)
    monkeypatch.setattr(redis.client.Pipeline, "execute", refuse)


def test_what_changed_while_redis_was_away_is_not_served_from_before(monkeypatch, live_redis):
    """A session ended or changed during the outage was changed in the database
    only; once Redis answers again its older copy there must not come back."""
    monkeypatch.setattr(cache_module, "RETRY_SECONDS", 0)
    cache = SharedClientRedisCache(LIVE_REDIS, {"KEY_PREFIX": live_redis})
    cache.set("ended", "logged in")
    cache.set("changed", "before")
    cache.set("untouched", "kept")

    with monkeypatch.context() as outage:
        _outage(outage)
        cache.delete("ended")
        cache.set("changed", "after")
        cache.set_many({"also-changed": "after"})

    # Another process, which saw no outage, reads what this one left behind.
    other = SharedClientRedisCache(LIVE_REDIS, {"KEY_PREFIX": live_redis})
    assert cache.get("untouched") == "kept"  # the first call after the outage undoes the skipped writes
    assert other.get_many(["ended", "changed", "also-changed"]) == {}
    assert other.get("untouched") == "kept"


def test_more_skipped_writes_than_it_remembers_forget_the_whole_cache(monkeypatch, live_redis):
    monkeypatch.setattr(cache_module, "RETRY_SECONDS", 0)
    monkeypatch.setattr(cache_module, "MAX_STALE_KEYS", 2)
    cache = SharedClientRedisCache(LIVE_REDIS, {"KEY_PREFIX": live_redis})
    neighbour = SharedClientRedisCache(LIVE_REDIS, {"KEY_PREFIX": f"{live_redis}-other"})
    cache.set_many({f"k{i}": "before" for i in range(4)})
    neighbour.set("theirs", "kept")

    with monkeypatch.context() as outage:
        _outage(outage)
        for i in range(3):
            cache.set(f"k{i}", "after")

    assert cache.get("k3") is None  # never written during the outage, forgotten all the same
    assert cache.get_many([f"k{i}" for i in range(4)]) == {}
    assert neighbour.get("theirs") == "kept"  # another cache's keys in the same database are left alone
    neighbour.delete("theirs")


@pytest.mark.django_db
def test_healthz_with_the_database_down_as_well_is_503(redis_down, client):
    with mock.patch("convening.views.connection") as connection:
        connection.cursor.side_effect = OperationalError("connection refused")
        response = client.get(reverse("healthz"))
    assert response.status_code == 503
    assert response.json() == {"status": "error", "database": "error", "cache": "error"}
