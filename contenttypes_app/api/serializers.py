"""Input and output shapes of the ``/v1/`` content API (camelCase on the wire).

Inputs are strict (``config.serializers``): unknown keys, wrong JSON types and unknown enum values
are 400 ``VALIDATION_FAILED`` with ``details.fields``. Outputs match the reference content type
object key for key.
"""

from __future__ import annotations

import re
import uuid
from typing import Any

from django.db import models
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from config.renderers import RawJSON
from config.serializers import (
    StrictCharField,
    StrictChoiceField,
    StrictIntegerField,
    StrictSerializer,
    StrictSlugField,
)
from contenttypes_app import allow_list as al
from contenttypes_app import selectors, semver
from contenttypes_app.models import Component, ContentTypeDefinition
from contenttypes_app.schema_generation import component_schema_problems
from contenttypes_app.selectors import CONTENT_TYPE_SORTS
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
    """A semantic version, or ``draft`` when ``allow_draft`` (every use of it allows it)."""

    default_error_messages = {"invalid_version": "Must be a semantic version (e.g. 1.2.0){draft}."}

    def __init__(self, *, allow_draft: bool = True, **kwargs: Any) -> None:
        self.allow_draft = allow_draft
        kwargs.setdefault("max_length", semver.MAX_LENGTH)
        super().__init__(**kwargs)

    def to_internal_value(self, data: Any) -> str:
        value = super().to_internal_value(data)
        if value == semver.DRAFT and self.allow_draft:
            return value
        if not semver.is_valid(value):
            self.fail("invalid_version", draft=' or "draft"' if self.allow_draft else "")
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


# --- content types -----------------------------------------------------------------------------
class PublishPermissionsOutputSerializer(serializers.Serializer):
    roles = serializers.ListField(child=serializers.CharField())
    users = serializers.ListField(child=serializers.CharField())


class PermissionsOutputSerializer(serializers.Serializer):
    roles = serializers.ListField(child=serializers.CharField())
    users = serializers.ListField(child=serializers.CharField())
    publish = PublishPermissionsOutputSerializer()


class MetadataOutputSerializer(serializers.Serializer):
    author = serializers.CharField()
    tags = serializers.ListField(child=serializers.CharField())
    publishedAt = serializers.DateTimeField(source="published_at", allow_null=True)
    publishedBy = serializers.SerializerMethodField()

    def get_publishedBy(self, obj: Any) -> str | None:
        return None if obj.published_by_id is None else str(obj.published_by_id)


class StoredDocumentField(JSONObjectField):
    """An output ``DocumentJSONField`` (a schema), sent as its stored text when the instance
    carries that text (the ``<field>_text`` annotation) or left the field deferred: never decoded
    only to be encoded again."""

    def get_attribute(self, instance: Any) -> Any:
        if isinstance(instance, models.Model):
            text_attribute = f"{self.source}_text"
            if hasattr(instance, text_attribute):
                text = getattr(instance, text_attribute)
            elif self.source in instance.get_deferred_fields():
                text = selectors.document_text(instance, self.source)
            else:
                return super().get_attribute(instance)
            return None if text is None else RawJSON(text)
        return super().get_attribute(instance)


class ContentTypeOutputSerializer(serializers.Serializer):
    """The reference content type object, key for key and in its order."""

    id = serializers.UUIDField()
    name = serializers.CharField()
    description = serializers.CharField()
    status = serializers.ChoiceField(choices=ContentTypeDefinition.Status.choices)
    version = serializers.IntegerField(allow_null=True)
    lastPublishedVersion = serializers.IntegerField(
        source="last_published_version", allow_null=True
    )
    layoutComponentId = serializers.UUIDField(source="layout_component_id")
    componentIdsAllowList = serializers.ListField(
        child=AllowListItemField(), source="component_ids_allow_list"
    )
    packageVersion = serializers.CharField(source="package_version")
    schema = StoredDocumentField(
        allow_null=True,
        required=False,
        help_text="Generated JSON Schema (draft-07); null until first published. Lists omit it.",
    )
    templateContentIds = serializers.ListField(
        child=serializers.CharField(), source="template_content_ids"
    )
    permissions = PermissionsOutputSerializer()
    metadata = MetadataOutputSerializer(source="*")
    createdAt = serializers.DateTimeField(source="created_at")
    updatedAt = serializers.DateTimeField(source="updated_at")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        omit_schema = kwargs.pop("omit_schema", False)
        super().__init__(*args, **kwargs)
        if omit_schema:
            self.fields.pop("schema")


class ContentTypeVersionOutputSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    contentTypeId = serializers.UUIDField(source="definition_id")
    version = serializers.IntegerField()
    name = serializers.CharField()
    description = serializers.CharField()
    layoutComponentId = serializers.UUIDField(source="layout_component_id")
    componentIdsAllowList = serializers.ListField(
        child=AllowListItemField(), source="component_ids_allow_list"
    )
    packageVersion = serializers.CharField(source="package_version")
    schema = StoredDocumentField(required=False, help_text="Lists omit it.")
    templateContentIds = serializers.ListField(
        child=serializers.CharField(), source="template_content_ids"
    )
    permissions = PermissionsOutputSerializer()
    metadata = MetadataOutputSerializer(source="*")
    rolledBackFrom = serializers.IntegerField(source="rolled_back_from", allow_null=True)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        omit_schema = kwargs.pop("omit_schema", False)
        super().__init__(*args, **kwargs)
        if omit_schema:
            self.fields.pop("schema")


class ContentTypeCreateInputSerializer(StrictSerializer):
    name = StrictCharField(max_length=200)
    description = StrictCharField(max_length=5000, required=False, allow_blank=True)
    layoutComponentId = StrictUUIDField()
    componentIdsAllowList = allow_list_field()
    packageVersion = PackageVersionField(
        help_text='Semantic version of a package, or "draft" (the live components) while '
        "developing; publishing needs a released package."
    )
    templateContentIds = serializers.ListField(
        child=StrictCharField(max_length=100), required=False, max_length=200
    )
    permissions = PermissionsInputSerializer(required=False)
    metadata = MetadataInputSerializer(required=False)


class ContentTypeUpdateInputSerializer(StrictSerializer):
    name = StrictCharField(max_length=200, required=False)
    description = StrictCharField(max_length=5000, required=False, allow_blank=True)
    layoutComponentId = StrictUUIDField(required=False)
    componentIdsAllowList = allow_list_field(required=False)
    templateContentIds = serializers.ListField(
        child=StrictCharField(max_length=100), required=False, max_length=200
    )
    permissions = PermissionsInputSerializer(required=False)
    metadata = MetadataInputSerializer(required=False)

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, dict) and "packageVersion" in data:
            raise serializers.ValidationError(
                {"packageVersion": ["Change it with PUT …/content-types/{id}/package-version."]}
            )
        if isinstance(data, dict) and "status" in data:
            raise serializers.ValidationError(
                {"status": ["Change it with the publish, unpublish or status actions."]}
            )
        return super().to_internal_value(data)


class PackageVersionInputSerializer(StrictSerializer):
    packageVersion = PackageVersionField()


class RollbackInputSerializer(StrictSerializer):
    version = StrictIntegerField(min_value=1, help_text="The version whose definition to restore.")


class StatusInputSerializer(StrictSerializer):
    """Documentation only: the status body is parsed by hand to answer ``{provided, allowed}``
    (unknown keys are refused there too)."""

    status = serializers.ChoiceField(choices=["deleted", "draft", "modified"])


class ContentTypeListQuerySerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=ContentTypeDefinition.Status.choices, required=False)
    search = serializers.CharField(max_length=200, required=False)
    sort = serializers.ChoiceField(choices=list(CONTENT_TYPE_SORTS), required=False)


def content_type_changes(data: dict[str, Any]) -> dict[str, Any]:
    """Map validated camelCase input to the service's field names."""
    mapping = {
        "name": "name",
        "description": "description",
        "layoutComponentId": "layout_component_id",
        "componentIdsAllowList": "component_ids_allow_list",
        "templateContentIds": "template_content_ids",
        "permissions": "permissions",
    }
    changes = {mapping[key]: value for key, value in data.items() if key in mapping}
    metadata = data.get("metadata") or {}
    if "author" in metadata:
        changes["author"] = metadata["author"]
    if "tags" in metadata:
        changes["tags"] = metadata["tags"]
    return changes
