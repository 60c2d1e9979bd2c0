"""Rate limits for the API: fixed-window counters in Django's cache.

The cache is process-local memory by default and Redis when ``REDIS_URL`` is set, so with Redis the
limits hold across every worker and host. Each request increments one counter per throttle with
the cache's atomic ``incr`` (Redis ``INCR``), so concurrent workers cannot lose counts the way a
read-modify-write of a request history would.

Scopes, with their rates in ``settings.RATE_LIMITS`` (environment ``RATE_LIMIT_<SCOPE>``, see the
README's configuration table):

============  ===============================  ======================================
scope         counted per                      applied by
============  ===============================  ======================================
``anon``      client IP                        ``ClientRateThrottle`` (every API view)
``user``      user (JWT)                       ``ClientRateThrottle``
``api_key``   API key                          ``ClientRateThrottle``
``auth``      client IP                        ``AuthThrottle`` (login, register)
``publish``   API key, else user               ``PublishThrottle`` (publish endpoints)
============  ===============================  ======================================

``ClientRateThrottle`` is DRF's default throttle class. To add the publish limit to a view, keep the
default and append the publish throttle, e.g. on a viewset action::

    from config.throttling import PUBLISH_THROTTLES

    @action(detail=True, methods=["post"], throttle_classes=PUBLISH_THROTTLES)
    def publish(self, request, pk=None): ...

or ``throttle_classes = PUBLISH_THROTTLES`` on an ``APIView`` that only publishes.

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
        self.state = RateLimitState(scope, limit, max(0, limit - count), reset, allowed)
        record_rate_limit(request, self.state)
        return allowed

    def wait(self) -> float | None:
        return None if self.state is None else float(self.state.reset)


def _api_key_id(request) -> str | None:
    from publishing.models import APIKey  # lazy: this module loads with DRF's settings

    auth = getattr(request, "auth", None)
    return str(auth.pk) if isinstance(auth, APIKey) else None


def _user_id(request) -> str | None:
    user = getattr(request, "user", None)
    return str(user.pk) if user is not None and user.is_authenticated else None


class ClientRateThrottle(WindowRateThrottle):
    """The general limit on every API view: per API key, else per user, else per client IP."""

    def get_scope(self, request) -> str:
        if _api_key_id(request) is not None:
            return "api_key"
        if _user_id(request) is not None:
            return "user"
        return "anon"

    def get_identity(self, request) -> str:
        return _api_key_id(request) or _user_id(request) or self.client_ip(request)


class AuthThrottle(WindowRateThrottle):
    """Login and sign-up, per client IP: the lower limit that slows password guessing."""

    scope = "auth"

    def get_identity(self, request) -> str:
        return self.client_ip(request)


class PublishThrottle(WindowRateThrottle):
    """Publishing, per API key or user (per IP if a view ever lets anonymous callers publish)."""

    scope = "publish"

    def get_identity(self, request) -> str:
        key_id = _api_key_id(request)
        if key_id is not None:
            return f"key-{key_id}"
        user_id = _user_id(request)
        return f"user-{user_id}" if user_id is not None else f"ip-{self.client_ip(request)}"


# The throttles of a publish endpoint: the general per-client limit plus the publish one.
PUBLISH_THROTTLES = [ClientRateThrottle, PublishThrottle]
AUTH_THROTTLES = [AuthThrottle]
