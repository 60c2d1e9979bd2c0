"""Shapes of content types and their versions."""

from __future__ import annotations

from typing import Any

from django.db import models
from rest_framework import serializers

from config.errors import ValidationFailedError
from config.renderers import RawJSON
from config.serializers import (
    StrictBooleanField,
    StrictCharField,
    StrictIntegerField,
    StrictSerializer,
)
from contenttypes_app import selectors
from contenttypes_app.api.serializers.fields import (
    AllowListItemField,
    JSONObjectField,
    MetadataInputSerializer,
    PackageVersionField,
    PermissionsInputSerializer,
    StrictUUIDField,
    allow_list_field,
)
from contenttypes_app.models import ContentTypeDefinition
from contenttypes_app.selectors import CONTENT_TYPE_SORTS


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


# ``omit_schema=True`` drops the ``schema`` field: lists send their items without it (a schema can
# weigh hundreds of kB), details with it. (A comment, not a docstring: drf-spectacular would show
# an inherited docstring as the description of every output schema.)
class OmitSchemaMixin:
    def __init__(self, *args: Any, omit_schema: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if omit_schema:
            self.fields.pop("schema")


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


class ContentTypeOutputSerializer(OmitSchemaMixin, serializers.Serializer):
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


class ContentTypeVersionOutputSerializer(OmitSchemaMixin, serializers.Serializer):
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
    migrateContent = StrictBooleanField(
        required=False,
        help_text="true: the next publish migrates every content item of this type to the "
        "version it writes (a job, listed under content-migrations); false: it does not. "
        "Absent: unchanged.",
    )


class RollbackInputSerializer(StrictSerializer):
    version = StrictIntegerField(min_value=1, help_text="The version whose definition to restore.")


SETTABLE_STATUSES = ["deleted", "draft", "modified"]
STATUS_HINTS = {
    "published": " Use the publish action to publish.",
    "unpublished": " Use the unpublish action to unpublish.",
}


class StatusInputSerializer(StrictSerializer):
    """`status`: `deleted`, `draft` or `modified`. Any other value answers 400
    VALIDATION_FAILED "Invalid status." with `details {provided, allowed}` (the reference API's
    shape, rather than per-field messages). ``passed_on`` values are accepted here and refused
    by the service with its own error (components: `published` is 409 INVALID_STATUS)."""

    default_error_messages = {"not_object": "The request body must be a JSON object."}
    allowed: list[str] = SETTABLE_STATUSES
    passed_on: tuple[str, ...] = ()
    status = serializers.ChoiceField(choices=SETTABLE_STATUSES)

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, dict) and not set(data) - {"status"}:
            status = data.get("status")
            valid = [*self.allowed, *self.passed_on]
            if not isinstance(status, str) or status not in valid:
                hint = STATUS_HINTS.get(status, "") if isinstance(status, str) else ""
                raise ValidationFailedError(
                    f"Invalid status.{hint}",
                    details={"provided": status, "allowed": self.allowed},
                )
        return super().to_internal_value(data)


MAX_TAG_FILTERS = 50


class TagsQueryField(serializers.ListField):
    """The ``tags`` filter: comma-separated, the parameter repeated, or both (the values of
    every ``tags`` parameter); blank tags are dropped."""

    default_error_messages = {
        "invalid": "At most 50 tags of 50 characters, without null characters."
    }

    def to_internal_value(self, data: Any) -> list[str]:
        tags = [tag.strip() for raw in data for tag in str(raw).split(",") if tag.strip()]
        too_long = any(len(tag) > 50 or "\x00" in tag for tag in tags)
        if too_long or len(tags) > MAX_TAG_FILTERS:
            self.fail("invalid")
        return tags


class ContentTypeListQuerySerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=ContentTypeDefinition.Status.choices, required=False)
    search = serializers.CharField(max_length=200, required=False)
    sort = serializers.ChoiceField(choices=list(CONTENT_TYPE_SORTS), required=False)
    tags = TagsQueryField(required=False)


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
