"""Django's Redis cache backend, with two changes.

One redis-py client per connection pool. Django's builds a new client for
every operation, and building one (its table of response callbacks) cost
~0.25 ms here: more than the GET it serves. Every request with a session
reads it from this cache (`cached_db`), autosave included, so that is paid
on the hottest path.

Redis makes Convening faster, never possible. When Redis cannot be reached,
reads miss, writes are skipped, and the outage is logged at warning at most
once a minute; sessions then come from the database alone. After a failure
the client leaves Redis alone for RETRY_SECONDS, so a Redis that does not
answer costs one socket timeout per pause, not one per call.

A write skipped during an outage leaves the value from before it in Redis:
a session that was ended or changed in the database would come back once
Redis answers. The client therefore remembers the keys it could not write
and deletes them before anything else once Redis answers again; until then
it reads nothing from Redis. (Its state is per process, per thread under a
threaded server: another process that still reaches Redis may read such a
key until this one is back, which takes a network split between the two.)
`clear()` still raises: an operator who clears the cache must know that it
did not happen."""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable, Iterable
from functools import cached_property, partial
from typing import Any, TypeVar

from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from redis import exceptions as redis_errors

logger = logging.getLogger(__name__)

T = TypeVar("T")

# The failures that mean "Redis is not there for us now", as opposed to a bug
# in a command: down or unreachable, too slow, a replica during a fail-over,
# out of memory.
UNAVAILABLE = (
    redis_errors.ConnectionError,
    redis_errors.TimeoutError,
    redis_errors.ReadOnlyError,
    redis_errors.OutOfMemoryError,
)
# Redis answers within a millisecond on a local network; these bound what a
# dead or hung one costs (redis-py's own default read timeout is 5 s). An
# OPTIONS entry, or CACHE_URL's query (`?socket_timeout=1`), overrides them.
SOCKET_TIMEOUTS = {"socket_connect_timeout": 0.25, "socket_timeout": 0.5}
RETRY_SECONDS = 5.0
LOG_EVERY_SECONDS = 60.0
# Beyond this many keys to undo, the whole cache's keys are deleted instead.
MAX_STALE_KEYS = 10_000
_DELETE_BATCH = 1000


class _OneClientPerPool(RedisCacheClient):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._clients: dict[int, object] = {}

    def get_client(self, key=None, *, write=False):
        # The parent's pools live as long as this object, so their index is a stable key.
        index = self._get_connection_pool_index(write)
        client = self._clients.get(index)
        if client is None:
            client = self._clients[index] = self._client(connection_pool=self._get_connection_pool(write))
        return client


def _missing(key: str) -> Any:
    raise ValueError(f"Key '{key}' not found.")


class _DegradingClient(_OneClientPerPool):
    def __init__(self, *args, own_keys: str, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._own_keys = own_keys  # a SCAN pattern matching this cache's keys and no one else's
        self._retry_at = 0.0
        self._stale: set[str] = set()
        self._stale_overflow = False
        self._down_since: float | None = None
        self._logged_at = 0.0
        self._skipped = 0

    # Reads miss.

    def get(self, key, default):
        return self._try(partial(super().get, key, default), lambda: default)

    def get_many(self, keys):
        return self._try(partial(super().get_many, keys), dict)

    def has_key(self, key):
        return self._try(partial(super().has_key, key), lambda: False)

    def incr(self, key, delta):
        # Not remembered as stale: a counter left lower only loosens a rate limit for a while.
        return self._try(partial(super().incr, key, delta), partial(_missing, key))

    # Writes are skipped; those that would have replaced or removed a value are undone later.

    def add(self, key, value, timeout):
        # False ("someone else holds it") is the cautious answer for a caller that uses add as a lock.
        return self._try(partial(super().add, key, value, timeout), lambda: False)

    def touch(self, key, timeout):
        return self._try(partial(super().touch, key, timeout), lambda: False)

    def set(self, key, value, timeout):
        return self._try(partial(super().set, key, value, timeout), lambda: None, stale=[key])

    def set_many(self, data, timeout):
        return self._try(partial(super().set_many, data, timeout), lambda: None, stale=data)

    def delete(self, key):
        return self._try(partial(super().delete, key), lambda: False, stale=[key])

    def delete_many(self, keys):
        return self._try(partial(super().delete_many, keys), lambda: None, stale=keys)

    def _try(self, operation: Callable[[], T], fallback: Callable[[], T], *, stale: Iterable[str] = ()) -> T:
        if time.monotonic() >= self._retry_at:
            try:
                self._undo_skipped_writes()
                result = operation()
            except UNAVAILABLE as error:
                self._retry_at = time.monotonic() + RETRY_SECONDS
                self._log_outage(error)
            else:
                if self._down_since is not None:
                    self._log_recovery(self._down_since)
                return result
        self._skipped += 1
        self._remember_stale(stale)
        return fallback()

    def _remember_stale(self, keys: Iterable[str]) -> None:
        if self._stale_overflow:
            return
        self._stale.update(keys)
        if len(self._stale) > MAX_STALE_KEYS:
            self._stale_overflow = True
            self._stale.clear()

    def _undo_skipped_writes(self) -> None:
        """Deletes what may be older than the database. Raises while Redis is
        still away, so nothing is read from it before this has succeeded."""
        if not (self._stale or self._stale_overflow):
            return
        client = self.get_client(write=True)
        if self._stale_overflow:
            keys: list[str] = list(client.scan_iter(match=self._own_keys, count=_DELETE_BATCH))
        else:
            keys = list(self._stale)
        for start in range(0, len(keys), _DELETE_BATCH):
            client.delete(*keys[start : start + _DELETE_BATCH])
        self._stale.clear()
        self._stale_overflow = False

    def _log_outage(self, error: Exception) -> None:
        now = time.monotonic()
        if self._down_since is None:
            self._down_since = self._logged_at = now
            logger.warning("Cache unreachable (%s): serving without it, sessions from the database", error)
        elif now - self._logged_at >= LOG_EVERY_SECONDS:
            self._logged_at = now
            logger.warning(
                "Cache still unreachable after %.0f s (%s): %d operations skipped",
                now - self._down_since,
                error,
                self._skipped,
            )

    def _log_recovery(self, down_since: float) -> None:
        logger.info(
            "Cache reachable again after %.0f s: %d operations were skipped",
            time.monotonic() - down_since,
            self._skipped,
        )
        self._down_since = None
        self._skipped = 0


class SharedClientRedisCache(RedisCache):
    def __init__(self, server, params) -> None:
        super().__init__(server, {**params, "OPTIONS": {**SOCKET_TIMEOUTS, **params.get("OPTIONS", {})}})
        self._class = _DegradingClient

    @cached_property
    def _cache(self):
        return self._class(self._servers, own_keys=_own_keys_pattern(self.key_prefix), **self._options)


def _own_keys_pattern(key_prefix: str) -> str:
    """Django's keys are `<KEY_PREFIX>:<version>:<key>`: the prefix and its
    colon mark this cache's keys apart from a broker's or another cache's
    sharing the database."""
    return re.sub(r"([*?\[\]\\])", r"\\\1", key_prefix) + ":*"
