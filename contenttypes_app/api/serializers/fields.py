"""Input fields shared by the content API's serializers (strict: wrong JSON types are 400)."""

from __future__ import annotations

import re
import uuid
from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from config.serializers import (
    StrictCharField,
    StrictChoiceField,
    StrictSerializer,
)
from contenttypes_app import allow_list as al
from contenttypes_app import semver
from publishing.models import Role

MAX_ALLOW_LIST = 1000
# Role values as their own labels: a choice set distinct from ``Role.choices`` for the OpenAPI enum
# naming (drf-spectacular would otherwise warn that one set is named both RoleEnum and RolesEnum).
ROLE_VALUES = [(role, role) for role in Role.values]
COMPONENT_NAME_RE = re.compile(r"[A-Za-z][A-Za-z0-9_-]{0,99}")
# contenttypes_app.semver's grammar for the OpenAPI schema (ECMA regex: no named groups; numeric
# pre-release identifiers without leading zeros).
_PRE_ID = r"(?:0|[1-9][0-9]*|[0-9]*[A-Za-z-][0-9A-Za-z-]*)"
SEMVER_PATTERN = (
    r"(?:0|[1-9][0-9]*)\.(?:0|[1-9][0-9]*)\.(?:0|[1-9][0-9]*)"
    rf"(?:-{_PRE_ID}(?:\.{_PRE_ID})*)?(?:\+[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?"
)


# --- input fields ------------------------------------------------------------------------------
@extend_schema_field(OpenApiTypes.UUID)
class StrictUUIDField(StrictCharField):
    """A UUID given as a JSON string; returned as its canonical lower-case string."""

    default_error_messages = {"invalid_uuid": "Must be a UUID."}

    def to_internal_value(self, data: Any) -> str:
        value = super().to_internal_value(data)
        try:
            return str(uuid.UUID(value))
        except ValueError:
            self.fail("invalid_uuid")


def _contains_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_contains_nul(k) or _contains_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_contains_nul(v) for v in value)
    return False


@extend_schema_field({"type": "object", "additionalProperties": True})
class JSONObjectField(serializers.Field):
    default_error_messages = {
        "invalid": "Must be a JSON object.",
        # PostgreSQL's jsonb cannot store \u0000, in keys or in values.
        "nul": "Null characters are not allowed, in keys or in values.",
    }

    def to_internal_value(self, data: Any) -> dict:
        if not isinstance(data, dict):
            self.fail("invalid")
        if _contains_nul(data):
            self.fail("nul")
        return data

    def to_representation(self, value: Any) -> Any:
        return value


@extend_schema_field(
    {"type": "string", "maxLength": semver.MAX_LENGTH, "pattern": f"^(?:draft|{SEMVER_PATTERN})$"}
)
class PackageVersionField(StrictCharField):
    """A semantic version, or ``draft`` (the live components, while developing)."""

    default_error_messages = {
        "invalid_version": 'Must be a semantic version (e.g. 1.2.0) or "draft".'
    }

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", semver.MAX_LENGTH)
        super().__init__(**kwargs)

    def to_internal_value(self, data: Any) -> str:
        value = super().to_internal_value(data)
        if value != semver.DRAFT and not semver.is_valid(value):
            self.fail("invalid_version")
        return value


class AllowListGroupInputSerializer(StrictSerializer):
    id = StrictCharField(max_length=100)
    name = StrictCharField(max_length=200, required=False, allow_blank=True)
    componentIds = serializers.ListField(child=StrictUUIDField(), max_length=MAX_ALLOW_LIST)

    def to_internal_value(self, data: Any) -> dict[str, Any]:
        value = super().to_internal_value(data)
        group = {"id": value["id"]}
        if "name" in value:
            group["name"] = value["name"]
        group["componentIds"] = value["componentIds"]
        return group


@extend_schema_field(
    {
        "oneOf": [
            {"type": "string", "format": "uuid", "description": "A component id."},
            {
                "type": "object",
                "description": "A named group of components.",
                "required": ["id", "componentIds"],
                "properties": {
                    "id": {"type": "string", "minLength": 1, "maxLength": 100},
                    "name": {"type": "string", "maxLength": 200},
                    "componentIds": {
                        "type": "array",
                        "items": {"type": "string", "format": "uuid"},
                        "maxItems": MAX_ALLOW_LIST,
                    },
                },
                "additionalProperties": False,
            },
        ]
    }
)
class AllowListItemField(serializers.Field):
    default_error_messages = {"invalid": "Must be a component id or a group object."}

    def to_internal_value(self, data: Any) -> Any:
        if not isinstance(data, (str, dict)):
            self.fail("invalid")
        if isinstance(data, str):
            return StrictUUIDField().run_validation(data)
        group = AllowListGroupInputSerializer(data=data)
        group.is_valid(raise_exception=True)
        return group.validated_data

    def to_representation(self, value: Any) -> Any:
        return value


class AllowListField(serializers.ListField):
    """Plain ids and groups; at most ``MAX_ALLOW_LIST`` distinct component ids in all."""

    default_error_messages = {
        "too_many": f"At most {MAX_ALLOW_LIST} distinct component ids, grouped or not."
    }

    def to_internal_value(self, data: Any) -> list[Any]:
        value = super().to_internal_value(data)
        if len(al.component_ids(value)) > MAX_ALLOW_LIST:
            self.fail("too_many")
        return value


def allow_list_field(**kwargs: Any) -> serializers.ListField:
    return AllowListField(
        child=AllowListItemField(), max_length=MAX_ALLOW_LIST, allow_empty=True, **kwargs
    )


class PublishPermissionsInputSerializer(StrictSerializer):
    roles = serializers.ListField(
        child=StrictChoiceField(choices=ROLE_VALUES), required=False, max_length=10
    )
    users = serializers.ListField(
        child=StrictCharField(max_length=254), required=False, max_length=500
    )


class PermissionsInputSerializer(StrictSerializer):
    roles = serializers.ListField(
        child=StrictChoiceField(choices=ROLE_VALUES), required=False, max_length=10
    )
    users = serializers.ListField(
        child=StrictCharField(max_length=254), required=False, max_length=500
    )
    publish = PublishPermissionsInputSerializer(required=False)


class MetadataInputSerializer(StrictSerializer):
    author = StrictCharField(max_length=254, required=False, allow_blank=True)
    tags = serializers.ListField(
        child=StrictCharField(max_length=50), required=False, max_length=50
    )

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, dict):
            read_only = sorted({"publishedAt", "publishedBy"} & set(data))
            if read_only:
                message = "Read-only: set when the content type is published."
                raise serializers.ValidationError({key: [message] for key in read_only})
        return super().to_internal_value(data)
