"""Who is acting, for which organization, with which role.

Every service takes an ``Actor``. The API builds it from the request (JWT user + membership, or API
key); commands and the admin build it with ``actor_for``. Role checks live here, once.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from config.errors import ForbiddenError, NotFoundError, ValidationFailedError
from publishing.models import APIKey, Membership, Organization, Role, User

ORGANIZATION_HEADER = "X-Organization-Id"


@dataclass(frozen=True)
class Actor:
    user: User
    organization: Organization
    role: str
    api_key: APIKey | None = None
    request_id: str = ""

    def has_role(self, minimum: str) -> bool:
        return Role.at_least(self.role, minimum)

    def require_role(self, minimum: str, action: str = "do this") -> None:
        if not self.has_role(minimum):
            raise ForbiddenError(f"You need the {minimum} role or higher to {action}.")

    def require_user_session(self, action: str = "do this") -> None:
        if self.api_key is not None:
            raise ForbiddenError(f"API keys cannot {action}; sign in as a user.")


def actor_for(user: User, organization: Organization, *, request_id: str = "") -> Actor:
    """An actor for ``user`` in ``organization`` (commands, admin). Raises if not a member."""
    membership = Membership.objects.filter(user=user, organization=organization).first()
    if membership is None:
        raise ForbiddenError(f"{user} is not a member of {organization}.")
    return Actor(user=user, organization=organization, role=membership.role, request_id=request_id)


def parse_uuid(value: str, field: str) -> uuid.UUID:
    try:
        return uuid.UUID(str(value))
    except (ValueError, AttributeError) as exc:
        raise ValidationFailedError.for_fields({field: "Must be a UUID."}) from exc


def actor_from_request(request, organization_id: str | uuid.UUID | None = None) -> Actor:
    """Resolve the acting organization for an authenticated request (cached per request).

    ``organization_id`` (from a URL) wins over the ``X-Organization-Id`` header; without either the
    user's oldest membership is used. An organization the caller does not belong to answers 404.
    """
    if organization_id is None:
        cached = getattr(request, "_actor", None)
        if cached is not None:
            return cached
        organization_id = request.headers.get(ORGANIZATION_HEADER) or None
        field = ORGANIZATION_HEADER
    else:
        field = "organizationId"
    wanted = parse_uuid(organization_id, field) if organization_id is not None else None
    request_id = getattr(request, "request_id", "")

    key = request.auth if isinstance(request.auth, APIKey) else None
    if key is not None:
        if wanted is not None and key.organization_id != wanted:
            raise NotFoundError("Organization not found.")
        actor = Actor(key.created_by, key.organization, key.role, key, request_id)
    else:
        membership = _pick_membership(request.user, wanted)
        actor = Actor(request.user, membership.organization, membership.role, None, request_id)
    if field == ORGANIZATION_HEADER:
        request._actor = actor
    return actor


def _pick_membership(user: User, wanted: uuid.UUID | None) -> Membership:
    """The membership for ``wanted`` (404 if none) or the oldest one (403 if none at all)."""
    loaded = getattr(user, "_memberships", None)  # preloaded by BearerJWTAuthentication
    if loaded is not None:
        candidates = [m for m in loaded if wanted is None or m.organization_id == wanted]
        membership = candidates[0] if candidates else None
    else:
        queryset = Membership.objects.select_related("organization").filter(user=user)
        if wanted is not None:
            queryset = queryset.filter(organization_id=wanted)
        membership = queryset.order_by("created_at", "id").first()
    if membership is None:
        if wanted is not None:
            raise NotFoundError("Organization not found.")
        raise ForbiddenError("You are not a member of any organization.")
    return membership
