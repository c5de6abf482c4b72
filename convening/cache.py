"""Django's Redis cache backend, keeping one redis-py client per connection
pool. Django's builds a new client for every operation, and building one
(its table of response callbacks) cost ~0.25 ms here: more than the GET it
serves. Every request with a session reads it from this cache
(`cached_db`), autosave included, so that is paid on the hottest path."""

from __future__ import annotations

from django.core.cache.backends.redis import RedisCache, RedisCacheClient


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


class SharedClientRedisCache(RedisCache):
    def __init__(self, server, params) -> None:
        super().__init__(server, params)
        self._class = _OneClientPerPool
