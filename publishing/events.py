"""Payload builders for the publishing app's domain events (see ``publishing.services.audit``).

Each builder returns the resource as the API shows it to the organization that receives the
event, built from rows the service already holds (no query): the tests check that each one
equals the API's output serializer.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from rest_framework.fields import DateTimeField

from publishing.models import ItemVersion, PublishableItem, User

_DATETIME = DateTimeField()


def iso(value: dt.datetime | None) -> str | None:
    """A datetime exactly as the API renders it."""
    return None if value is None else _DATETIME.to_representation(value)


def user_data(user: User | None) -> dict[str, Any] | None:
    """``OwnerSerializer``'s shape."""
    if user is None:
        return None
    return {"id": user.pk, "email": user.email, "fullName": user.full_name}


def item_version_event_data(item: PublishableItem, version: ItemVersion) -> dict[str, Any]:
    """``item.version_created``, to the item's organization: the version as
    ``GET /api/{prompts|templates}/{id}/versions/{n}`` shows it, with the item's type and id.
    The body is null when the item's content is hidden (a copy of a hidden listing)."""
    data: dict[str, Any] = {
        "itemType": item.item_type,
        "itemId": item.pk,
        "number": version.number,
        "name": version.name,
        "description": version.description,
        "body": None if item.content_hidden else version.body,
        "variables": list(version.variables),
        "temperature": version.temperature,
        "author": user_data(version.author),
        "source": version.source,
        "label": version.label,
        "createdAt": iso(version.created_at),
    }
    if item.item_type == "template":
        data["type"] = version.type
        data["category"] = version.category
    return data
