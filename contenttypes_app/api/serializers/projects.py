"""Shapes of projects, components and packages."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from config.serializers import (
    StrictCharField,
    StrictChoiceField,
    StrictSerializer,
    StrictSlugField,
)
from contenttypes_app import semver
from contenttypes_app.api.serializers.fields import (
    COMPONENT_NAME_RE,
    SEMVER_PATTERN,
    JSONObjectField,
)
from contenttypes_app.models import Component
from contenttypes_app.schema_generation import component_schema_problems


# --- projects ----------------------------------------------------------------------------------
class ProjectOutputSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    organizationId = serializers.UUIDField(source="organization_id")
    name = serializers.CharField()
    slug = serializers.CharField()
    description = serializers.CharField()
    createdAt = serializers.DateTimeField(source="created_at")
    updatedAt = serializers.DateTimeField(source="updated_at")


class ProjectCreateInputSerializer(StrictSerializer):
    name = StrictCharField(max_length=200)
    slug = StrictSlugField(max_length=100, required=False)
    description = StrictCharField(max_length=5000, required=False, allow_blank=True)


class ProjectUpdateInputSerializer(StrictSerializer):
    name = StrictCharField(max_length=200, required=False)
    slug = StrictSlugField(max_length=100, required=False)
    description = StrictCharField(max_length=5000, required=False, allow_blank=True)


class DeletedOutputSerializer(serializers.Serializer):
    message = serializers.CharField()
    id = serializers.UUIDField()


# --- components --------------------------------------------------------------------------------
class ComponentOutputSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    name = serializers.CharField()
    description = serializers.CharField()
    type = serializers.ChoiceField(choices=Component.Type.choices)
    status = serializers.ChoiceField(choices=Component.Status.choices)
    version = serializers.IntegerField(allow_null=True)
    schema = JSONObjectField()
    createdAt = serializers.DateTimeField(source="created_at")
    updatedAt = serializers.DateTimeField(source="updated_at")


@extend_schema_field(
    {"type": "string", "minLength": 1, "maxLength": 100, "pattern": "^[A-Za-z][A-Za-z0-9_-]*$"}
)
class ComponentNameField(StrictCharField):
    default_error_messages = {
        "invalid_name": "Must start with a letter and contain only letters, digits, _ and -."
    }

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 100)
        super().__init__(**kwargs)

    def to_internal_value(self, data: Any) -> str:
        value = super().to_internal_value(data)
        if not COMPONENT_NAME_RE.fullmatch(value):
            self.fail("invalid_name")
        return value


class ComponentSchemaField(JSONObjectField):
    """A component's JSON Schema, checked by ``component_schema_problems``."""

    def to_internal_value(self, data: Any) -> dict:
        value = super().to_internal_value(data)
        problems = component_schema_problems(value)
        if problems:
            raise serializers.ValidationError(problems)
        return value


class ComponentCreateInputSerializer(StrictSerializer):
    name = ComponentNameField(help_text="Unique in the project; the schema's `type` constant.")
    type = StrictChoiceField(choices=Component.Type.choices)
    description = StrictCharField(max_length=5000, required=False, allow_blank=True)
    schema = ComponentSchemaField(
        required=False,
        help_text="JSON Schema (draft-07) of the component's properties; layouts mark component "
        'slots with `"x-slot": true` or `"x-slot": "<groupId>"`.',
    )


class ComponentUpdateInputSerializer(StrictSerializer):
    name = ComponentNameField(required=False)
    type = StrictChoiceField(choices=Component.Type.choices, required=False)
    description = StrictCharField(max_length=5000, required=False, allow_blank=True)
    schema = ComponentSchemaField(required=False)


class ComponentListQuerySerializer(serializers.Serializer):
    type = serializers.ChoiceField(choices=Component.Type.choices, required=False)
    status = serializers.ChoiceField(choices=Component.Status.choices, required=False)
    search = serializers.CharField(max_length=200, required=False)


# --- packages ----------------------------------------------------------------------------------
class PackageComponentOutputSerializer(serializers.Serializer):
    id = serializers.UUIDField(source="component_id")
    name = serializers.CharField()
    type = serializers.ChoiceField(choices=Component.Type.choices)
    version = serializers.IntegerField(allow_null=True)
    schema = JSONObjectField()


class PackageSummaryOutputSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    version = serializers.CharField()
    metadata = JSONObjectField()
    componentCount = serializers.IntegerField(source="component_count")
    createdAt = serializers.DateTimeField(source="created_at")
    createdBy = serializers.EmailField(source="created_by.email", allow_null=True, default=None)


class PackageOutputSerializer(serializers.Serializer):
    id = serializers.UUIDField(allow_null=True, help_text="Null for the virtual `draft` package.")
    version = serializers.CharField()
    metadata = JSONObjectField()
    components = serializers.SerializerMethodField()
    createdAt = serializers.DateTimeField(source="created_at", allow_null=True)
    createdBy = serializers.EmailField(source="created_by.email", allow_null=True, default=None)

    @extend_schema_field(PackageComponentOutputSerializer(many=True))
    def get_components(self, package: Any) -> list[dict]:
        captured = getattr(package, "captured", None)
        if captured is None:
            captured = list(package.components.order_by("name", "id"))
        return PackageComponentOutputSerializer(captured, many=True).data


@extend_schema_field(
    {"type": "string", "maxLength": semver.MAX_LENGTH, "pattern": f"^{SEMVER_PATTERN}$"}
)
class SemverField(StrictCharField):
    """A new package's version; the service checks it (400 ``INVALID_VERSION``)."""


class PackageCreateInputSerializer(StrictSerializer):
    version = SemverField(max_length=semver.MAX_LENGTH, help_text="Semantic version.")
    metadata = JSONObjectField(required=False)
