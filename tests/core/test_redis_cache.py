"""The Redis cache keeps one client per connection pool (cxhub.cache): still correct from many
threads, and still failing open when Redis is gone."""

from __future__ import annotations

import socket
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.conf import settings

from cxhub.cache import FailOpenRedisCache


@pytest.fixture
def redis_cache():
    if not settings.CELERY_BROKER_URL.startswith("redis"):
        pytest.skip("needs Redis (CELERY_BROKER_URL=redis://...)")
    cache = FailOpenRedisCache(
        settings.CELERY_BROKER_URL, {"KEY_PREFIX": f"cache-{uuid.uuid4().hex}"}
    )
    yield cache
    cache.clear()


def test_one_client_serves_every_call(redis_cache):
    first = redis_cache._cache.get_client()
    assert redis_cache._cache.get_client(write=True) is first
    redis_cache.set("k", {"n": 1})
    assert redis_cache.get("k") == {"n": 1}
    assert redis_cache._cache.get_client() is first


def test_the_shared_client_counts_right_from_many_threads(redis_cache):
    redis_cache.set("hits", 0)
    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(lambda _i: redis_cache.incr("hits"), range(200)))
    assert redis_cache.get("hits") == 200


def test_a_redis_that_never_answers_is_a_miss_within_the_socket_timeout(caplog):
    """A server that accepts connections and then says nothing (a half-dead Redis, a black-holed
    route): with the project's cache options a request waits about a second, not forever."""
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(8)
    port = silent.getsockname()[1]
    try:
        cache = FailOpenRedisCache(
            f"redis://127.0.0.1:{port}/0", {"OPTIONS": settings.REDIS_CACHE_OPTIONS}
        )
        started = time.monotonic()
        assert cache.get("k", "fallback") == "fallback"
        assert time.monotonic() - started < 3  # redis-py alone waited 5 s here
        assert "cache unavailable" in caplog.text
    finally:
        silent.close()


def test_an_unreachable_redis_is_a_miss_not_an_error(caplog):
    cache = FailOpenRedisCache("redis://127.0.0.1:1/0", {"OPTIONS": {"socket_connect_timeout": 1}})
    assert cache.get("k", "fallback") == "fallback"
    cache.set("k", 1)  # dropped, logged
    assert "cache unavailable" in caplog.text
