"""The Redis cache backend keeps one redis-py client per connection pool."""

from convening.cache import SharedClientRedisCache


def test_one_client_serves_every_operation_on_a_pool():
    cache = SharedClientRedisCache("redis://127.0.0.1:6379/15", {})
    client = cache._cache.get_client("a")  # building a client opens no connection
    assert cache._cache.get_client("b") is client
    assert cache._cache.get_client("c", write=True) is client  # one server: reads and writes share its pool


def test_separate_servers_keep_separate_clients():
    cache = SharedClientRedisCache(["redis://127.0.0.1:6379/15", "redis://127.0.0.1:6380/15"], {})
    writer = cache._cache.get_client(write=True)
    assert cache._cache.get_client(write=True) is writer
    readers = {id(cache._cache.get_client()) for _ in range(50)}  # reads go to a random replica
    assert writer.connection_pool.connection_kwargs["port"] == 6379
    assert len(readers) <= 2
