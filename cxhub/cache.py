"""The Redis cache, failing open: throttle counters and cached figures make things fast and fair,
but a Redis outage must cost a log line and some speed, never a 500 (RELIABILITY C8).

Enable with CACHES["default"]["BACKEND"] = "cxhub.cache.FailOpenRedisCache".
"""

from __future__ import annotations

import logging

from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)


class SharedClientRedisCacheClient(RedisCacheClient):
    """One redis.Redis per connection pool instead of a new one per cache call: building one
    fills its table of ~500 reply callbacks, a fifth of a millisecond, and a throttled API request
    makes two calls. A Redis object only borrows connections from its pool per command, so
    sharing it between threads is what redis-py supports."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients: dict[int, object] = {}  # id(pool) -> its client; pools live as long

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)
        return client


class FailOpenRedisCache(RedisCache):
    """Redis down -> cache misses and a log line, never a 500 (RELIABILITY C8)."""

    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = SharedClientRedisCacheClient

    def _safe(self, name, fallback, *args, **kwargs):
        try:
            return getattr(super(), name)(*args, **kwargs)
        except RedisError as error:
            logger.error("cache unavailable (%s): %s", name, error)
            if fallback is ValueError:  # incr's "missing key": callers then set the key
                raise ValueError(str(error)) from error
            return fallback

    def get(self, key, default=None, version=None):
        return self._safe("get", default, key, default, version)

    def get_many(self, keys, version=None):
        return self._safe("get_many", {}, keys, version)

    def set(self, *args, **kwargs):
        return self._safe("set", None, *args, **kwargs)

    def add(self, *args, **kwargs):
        return self._safe("add", False, *args, **kwargs)

    def incr(self, *args, **kwargs):
        return self._safe("incr", ValueError, *args, **kwargs)

    def delete(self, *args, **kwargs):
        return self._safe("delete", False, *args, **kwargs)

    def touch(self, *args, **kwargs):
        return self._safe("touch", False, *args, **kwargs)
