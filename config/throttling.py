"""Rate-limit machinery for the API: fixed-window counters in Django's cache.

The cache is process-local memory by default and Redis when ``REDIS_URL`` is set, so with Redis the
limits hold across every worker and host. Each request increments one counter per throttle with
the cache's atomic ``incr`` (Redis ``INCR``), so concurrent workers cannot lose counts the way a
read-modify-write of a request history would.

This module knows no app: ``WindowRateThrottle`` counts whatever identity a subclass names under
the scope it names, with the rates of ``settings.RATE_LIMITS``. The project's scopes (per client,
per API key, login, publish) and the throttle lists that views use live in
``publishing.throttling``.

Every throttled response carries ``X-RateLimit-Limit``, ``X-RateLimit-Remaining`` and
``X-RateLimit-Reset`` (seconds until the window resets) for the tightest limit that applied; the
request middleware adds them (``rate_limit_headers``). A 429 also carries ``Retry-After``
(``config.exceptions``). When the cache is unreachable the request is let through and a warning is
logged (at most once a minute): rate limiting must not take the API down with Redis.
"""

from __future__ import annotations

import hashlib
import logging
import math
import re
import time
import zlib
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import caches
from django.core.exceptions import ImproperlyConfigured
from rest_framework.throttling import BaseThrottle

from config.metrics import record_rate_limited
from config.rates import parse_rate

logger = logging.getLogger("config.throttling")

KEY_PREFIX = "rl"
# Counters outlive their window by this much, so a host whose clock runs a little behind never
# increments a counter that the cache has already expired.
KEY_GRACE_SECONDS = 60
WARN_INTERVAL_SECONDS = 60
_SAFE_IDENT = re.compile(r"^[A-Za-z0-9._:-]{1,100}$")
_last_store_warning = 0.0


@dataclass(frozen=True)
class RateLimitState:
    """One throttle's verdict for one request."""

    scope: str
    limit: int
    remaining: int
    reset: int  # seconds until the window ends
    allowed: bool

    def tighter_than(self, other: RateLimitState) -> bool:
        """Which state the headers report: a refusal first (the longest wait), then the fewest
        requests left, then the lower limit."""
        if self.allowed != other.allowed:
            return not self.allowed
        if not self.allowed:
            return self.reset > other.reset
        return (self.remaining, self.limit) < (other.remaining, other.limit)


def _warn_store_unavailable() -> None:
    global _last_store_warning
    now = time.monotonic()
    if now - _last_store_warning >= WARN_INTERVAL_SECONDS:
        _last_store_warning = now
        logger.warning("rate-limit store unavailable: requests are not limited", exc_info=True)


def _increment(cache, key: str, timeout: int) -> int | None:
    """Count one request in the window ``key``; ``None`` when the cache cannot be reached."""
    try:
        try:
            return cache.incr(key)
        except ValueError:  # first request of this window
            if cache.add(key, 1, timeout):
                return 1
            return cache.incr(key)  # another worker created the counter in between
    except Exception:  # noqa: BLE001 - any cache failure: let the request through, loudly
        _warn_store_unavailable()
        return None


def record_rate_limit(request, state: RateLimitState) -> None:
    """Remember the tightest state on the Django request for ``rate_limit_headers``."""
    django_request = getattr(request, "_request", request)
    current = getattr(django_request, "rate_limit", None)
    if current is None or state.tighter_than(current):
        django_request.rate_limit = state


def rate_limit_headers(django_request) -> dict[str, str]:
    state: RateLimitState | None = getattr(django_request, "rate_limit", None)
    if state is None:
        return {}
    return {
        "X-RateLimit-Limit": str(state.limit),
        "X-RateLimit-Remaining": str(state.remaining),
        "X-RateLimit-Reset": str(state.reset),
    }


class WindowRateThrottle(BaseThrottle):
    """Allow ``N`` requests per window of ``D`` seconds for each (scope, identity).

    Windows are aligned per identity: the offset comes from a checksum of the counter key, so
    clients do not all get their allowance back in the same second. Subclasses say which scope
    applies (``get_scope``) and whom to count (``get_identity``; ``None`` means "do not limit").
    """

    scope = ""
    timer = staticmethod(time.time)

    def __init__(self) -> None:
        self.state: RateLimitState | None = None

    def get_cache(self):
        """The counters' cache: ``settings.RATE_LIMIT_CACHE`` names it (``"default"`` if unset)."""
        return caches[getattr(settings, "RATE_LIMIT_CACHE", "default")]

    def get_scope(self, request) -> str:
        return self.scope

    def get_identity(self, request) -> str | None:
        raise NotImplementedError

    def client_ip(self, request) -> str:
        """The client address; ``X-Forwarded-For`` counts only behind ``TRUSTED_PROXY_COUNT``."""
        return self.get_ident(request) or "unknown"

    def allow_request(self, request, view) -> bool:
        scope = self.get_scope(request)
        rates = settings.RATE_LIMITS
        if scope not in rates:
            raise ImproperlyConfigured(f"No rate in settings.RATE_LIMITS for scope {scope!r}.")
        rate = parse_rate(rates[scope])
        if rate is None:
            return True
        identity = self.get_identity(request)
        if identity is None:
            return True
        limit, duration = rate
        if not _SAFE_IDENT.match(identity):
            identity = hashlib.sha256(identity.encode()).hexdigest()[:32]
        key = f"{KEY_PREFIX}:{scope}:{duration}:{identity}"
        now = self.timer()
        offset = zlib.crc32(key.encode()) % duration
        window = int((now - offset) // duration)
        seconds_left = offset + (window + 1) * duration - now
        reset = max(1, math.ceil(seconds_left))
        count = _increment(self.get_cache(), f"{key}:{window}", reset + KEY_GRACE_SECONDS)
        if count is None:
            return True
        allowed = count <= limit
        if not allowed:
            record_rate_limited(scope)
        self.state = RateLimitState(scope, limit, max(0, limit - count), reset, allowed)
        record_rate_limit(request, self.state)
        return allowed

    def wait(self) -> float | None:
        return None if self.state is None else float(self.state.reset)
