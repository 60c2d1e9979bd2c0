"""Payload builders for the publishing app's domain events (see ``publishing.services.audit``).

Each builder returns the resource as the API shows it to the organization that receives the
event, built from rows the service already holds (no query): the tests check that each one
equals the API's output serializer.
"""

from __future__ import annotations

import contextvars
import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from typing import Any

from django.conf import settings
from django.utils import timezone
from rest_framework import ISO_8601
from rest_framework.fields import DateTimeField
from rest_framework.settings import api_settings

from publishing.models import ItemVersion, PublishableItem, User

_DATETIME = DateTimeField()
_fixed_zone: contextvars.ContextVar[dt.tzinfo | None] = contextvars.ContextVar(
    "iso_zone", default=None
)


@contextmanager
def zone_fixed() -> Iterator[None]:
    """Inside, ``iso`` takes the current time zone looked up once, on entry, instead of once per
    value, and reuses the text of a value it has rendered: a batch's thousand event payloads
    render the same few instants, and the lookup (a thread- and task-local read) was most of
    ``iso``'s cost (py-spy, issue 21). Nothing inside may change the current time zone."""
    token = _fixed_zone.set(timezone.get_current_timezone())
    try:
        yield
    finally:
        _fixed_zone.reset(token)


@lru_cache(maxsize=256)
def _iso_in(value: dt.datetime, zone: dt.tzinfo) -> str:
    text = value.astimezone(zone).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def iso(value: dt.datetime | None) -> str | None:
    """A datetime exactly as the API renders it (DRF's ``DateTimeField``). Aware values with the
    ISO 8601 format, which is every value the services hold, take the field's own steps directly
    (the one copy of them: the publish response's fast path uses it too; 8.4 → 7.6 µs, most of it
    the current time zone's lookup, which ``zone_fixed`` saves); ``tests/publishing/
    test_event_datetimes.py`` compares the two."""
    if value is None:
        return None
    if (
        settings.USE_TZ
        and value.tzinfo is not None
        and api_settings.DATETIME_FORMAT.lower() == ISO_8601
    ):
        return _iso_in(value, _fixed_zone.get() or timezone.get_current_timezone())
    return _DATETIME.to_representation(value)


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
