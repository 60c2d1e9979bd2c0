"""The API's rate-limit scopes: who is counted, under which scope, on which views.

The counting itself (windows, the cache, the headers) is ``config.throttling``; this module says
what the platform counts, which needs to know an API key from a user.

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

``ClientRateThrottle`` is DRF's default throttle class. The publish endpoints are ``APIView``
classes, one per operation, so a publish endpoint keeps the default and adds the publish limit on
its view, as ``marketplace.api.views.PublishView`` does::

    from publishing.throttling import PUBLISH_THROTTLES

    class PublishView(APIView):
        throttle_classes = PUBLISH_THROTTLES

        def post(self, request): ...

Login and sign-up views use ``AUTH_THROTTLES`` the same way.
"""

from __future__ import annotations

from config.throttling import WindowRateThrottle


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
