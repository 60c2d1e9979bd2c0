"""Who may publish a content type (and content of it), and who may change that: the type's
``permissions`` rules, in one place for the content-type and content services."""

from __future__ import annotations

from typing import Any

from config.errors import ForbiddenError
from contenttypes_app.models import ContentTypeDefinition, default_permissions
from publishing.models import Role
from publishing.tenancy import Actor


def can_publish(actor: Actor, definition: ContentTypeDefinition) -> bool:
    """Admins and owners always; others when the type's ``permissions.publish`` names their role
    or (for a signed-in user, not an API key) their user id or email."""
    if actor.has_role(Role.ADMIN):
        return True
    publish = (definition.permissions or {}).get("publish") or {}
    if actor.role in (publish.get("roles") or []):
        return True
    if actor.api_key is not None:
        return False
    users = {str(u).lower() for u in publish.get("users") or []}
    return str(actor.user.pk) in users or actor.user.email.lower() in users


def require_publisher(actor: Actor, definition: ContentTypeDefinition, action: str) -> None:
    """403 unless ``can_publish``; ``action`` completes the message ("… to publish this …")."""
    if not can_publish(actor, definition):
        raise ForbiddenError(
            f"You need the admin role, or this content type's publish permission, to {action}."
        )


def normalize_permissions(permissions: dict[str, Any] | None) -> dict[str, Any]:
    """Every key present, lists de-duplicated in order."""
    result = default_permissions()
    source = permissions or {}
    for key in ("roles", "users"):
        result[key] = list(dict.fromkeys(source.get(key) or []))
        result["publish"][key] = list(dict.fromkeys((source.get("publish") or {}).get(key) or []))
    return result


def require_permission_change_allowed(actor: Actor, old: dict, new: dict) -> None:
    """403 when a non-admin changes who may publish."""
    # Granting publish rights is an admin decision: otherwise an editor could grant themselves.
    if old.get("publish") != new.get("publish") and not actor.has_role(Role.ADMIN):
        raise ForbiddenError("You need the admin role or higher to change publish permissions.")
