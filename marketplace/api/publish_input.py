"""The common publish request, checked without building DRF's field objects.

``PublishInputSerializer`` builds about twenty field objects per request (DRF deep-copies the
declared fields of the serializer and of each nested one): ~1.3 ms of CPU per publish in
``bench/profile_publish.py``, a tenth of the request. ``plain_publish_input`` accepts only a
request it can check completely, with the serializer's own limits and choices (read from its
declared fields, not restated): every key known, every value of the exact JSON type, every string
within its length bounds and free of anything DRF would trim or refuse, no schedule times. It
returns exactly the serializer's ``validated_data`` for it. Anything else, every invalid request
included, returns ``None`` and goes through the serializer, which stays the one definition of the
rules and of their error messages. ``tests/marketplace/test_publish_input.py`` checks on generated
requests that the plain path never accepts what the serializer refuses and returns the same data.
"""

from __future__ import annotations

import re
from typing import Any

from rest_framework.fields import CharField, ChoiceField

from config.ids import is_object_id
from marketplace.api.serializers import (
    ListingMetadataInputSerializer,
    PublishInputSerializer,
    ScopeInputSerializer,
    ScopesInputSerializer,
)

_SURROGATE = re.compile("[\ud800-\udfff]")
_TOP = PublishInputSerializer._declared_fields
_SCOPES = tuple(ScopesInputSerializer._declared_fields)
_SCOPE = ScopeInputSerializer._declared_fields
_METADATA = ListingMetadataInputSerializer._declared_fields
_SCOPE_FLAGS = ("isContentVisible", "allowEditableReferences")
_SCOPE_KEYS = frozenset(("enabled", "shareType", *_SCOPE_FLAGS))  # no schedule: serializer


def _choice(field: ChoiceField, value: Any) -> bool:
    return isinstance(value, str) and value in field.choice_strings_to_values


def _plain_string(field: CharField, value: Any) -> bool:
    """A string the field takes as it is: no trimming, no blank refusal, within bounds."""
    if not isinstance(value, str) or value != value.strip() or "\x00" in value:
        return False
    if _SURROGATE.search(value):
        return False
    if value == "":
        return field.allow_blank
    if field.max_length is not None and len(value) > field.max_length:
        return False
    return field.min_length is None or len(value) >= field.min_length


def _scope(value: Any) -> dict[str, Any] | None:
    if not isinstance(value, dict) or not value.keys() <= _SCOPE_KEYS:
        return None
    if type(value.get("enabled")) is not bool:
        return None
    if "shareType" in value:
        if not _choice(_SCOPE["shareType"], value["shareType"]):
            return None
    elif value["enabled"]:
        return None  # "required when the scope is enabled": the serializer says so
    if any(name in value and type(value[name]) is not bool for name in _SCOPE_FLAGS):
        return None
    return {name: value[name] for name in _SCOPE if name in value}


def _metadata(value: Any) -> dict[str, Any] | None:
    if not isinstance(value, dict) or not value.keys() <= _METADATA.keys():
        return None
    if not all(_plain_string(_METADATA[name], text) for name, text in value.items()):
        return None
    return {name: value[name] for name in _METADATA if name in value}


def plain_publish_input(data: Any) -> dict[str, Any] | None:
    """``PublishInputSerializer(data=data).validated_data`` for a plain valid request, else
    ``None`` (let the serializer validate it and word its errors)."""
    if not isinstance(data, dict) or not data.keys() <= _TOP.keys():
        return None
    if not _choice(_TOP["itemType"], data.get("itemType")):
        return None
    item_id = data.get("itemId")  # (the id pattern's "$" would let a trailing newline through)
    if not _plain_string(_TOP["itemId"], item_id) or not is_object_id(item_id):
        return None
    scopes = data.get("scopes")
    if not isinstance(scopes, dict) or not scopes or not scopes.keys() <= set(_SCOPES):
        return None
    checked = {}
    for name in _SCOPES:
        if name in scopes:
            scope = _scope(scopes[name])
            if scope is None:
                return None
            checked[name] = scope
    if not any(scope["enabled"] for scope in checked.values()):
        return None
    result: dict[str, Any] = {
        "itemType": data["itemType"],
        "itemId": data["itemId"],
        "scopes": checked,
    }
    if "metadata" in data:
        metadata = data["metadata"]
        if metadata is not None:
            metadata = _metadata(metadata)
            if metadata is None:
                return None
        result["metadata"] = metadata
    return result
