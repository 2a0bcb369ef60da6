"""Rate limits for the public survey doors, kept in the service layer so every entry point (the
public page, the API, any later alias) spends one shared budget per client address.

A fixed-window counter in Django's cache: `cache.add` then `cache.incr` are atomic in Redis (the
production cache), so parallel gunicorn workers share one exact count.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache

logger = logging.getLogger(__name__)

PUBLIC_SURVEY = "public_survey"
SURVEY_TOKEN = "survey_token"
_UNITS = {"s": 1, "sec": 1, "m": 60, "min": 60, "h": 3600, "hour": 3600, "d": 86400, "day": 86400}


class RateLimited(Exception):
    """Too many requests from one client in this window; retry after `retry_after` seconds."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(f"Rate limit reached; retry after {retry_after} s.")
        self.retry_after = retry_after


@dataclass(frozen=True)
class Rate:
    limit: int
    window: int


def rate_for(scope: str) -> Rate:
    text = settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"][scope]
    count, _, unit = text.partition("/")
    return Rate(limit=int(count), window=_UNITS[unit.strip().lower()])


def client_ip(request) -> str:
    """The client address as DRF's throttles see it: REMOTE_ADDR, or the n-th address from the
    right of X-Forwarded-For when NUM_PROXIES trusted proxies sit in front (so a forged header
    cannot buy a fresh budget)."""
    remote = request.META.get("REMOTE_ADDR", "") or "unknown"
    proxies = settings.REST_FRAMEWORK.get("NUM_PROXIES") or 0
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR")
    if proxies and forwarded:
        addresses = [part.strip() for part in forwarded.split(",") if part.strip()]
        if addresses:
            return addresses[-min(proxies, len(addresses))]
    return remote


def throttle_hit(*, scope: str, ident: str | None) -> None:
    """Count one request of `ident` in `scope`; raise RateLimited when over the budget."""
    rate = rate_for(scope)
    now = time.time()
    window_index = int(now // rate.window)
    key = f"throttle:{scope}:{ident or 'unknown'}:{window_index}"
    try:
        cache.add(key, 0, rate.window + 5)
        count = cache.incr(key)
    except ValueError:
        # The key expired between add and incr: start the window again.
        cache.set(key, 1, rate.window + 5)
        count = 1
    except Exception:  # the cache is down: fail open, loudly (RELIABILITY C8)
        logger.exception("survey throttle cache unavailable; request let through")
        return
    if count > rate.limit:
        retry_after = max(1, int((window_index + 1) * rate.window - now) + 1)
        raise RateLimited(retry_after)
