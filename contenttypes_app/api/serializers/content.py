"""Shapes of content items and their versions."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from config.serializers import (
    StrictBooleanField,
    StrictCharField,
    StrictIntegerField,
    StrictSerializer,
)
from contenttypes_app.api.serializers.content_types import TagsQueryField
from contenttypes_app.api.serializers.fields import JSONObjectField, StrictUUIDField
from contenttypes_app.api.serializers.schedule import ScheduleOutputSerializer
from contenttypes_app.content_selectors import CONTENT_SORTS
from contenttypes_app.models import ContentTypeDefinition

# The same five statuses as content types (one OpenAPI enum for both).
STATUS_CHOICES = ContentTypeDefinition.Status.choices


class ContentMetadataOutputSerializer(serializers.Serializer):
    author = serializers.CharField(allow_null=True, help_text="Email of the creator.")
    locale = serializers.CharField(allow_null=True)
    publishedAt = serializers.DateTimeField(allow_null=True, help_text="Of the last publish.")
    publishedBy = serializers.CharField(allow_null=True, help_text="User id of the publisher.")
    rolledBackFrom = serializers.IntegerField(
        allow_null=True, help_text="The version the working copy was rolled back from."
    )

    def to_representation(self, instance: Any) -> Any:
        return {key: (instance or {}).get(key) for key in self.fields}


# ``omit_content=True`` drops the ``content`` field (lists).
class ContentOutputSerializer(serializers.Serializer):
    """A content item; lists omit ``content``."""

    id = serializers.UUIDField()
    typeId = serializers.UUIDField(source="type_id")
    typeVersion = serializers.IntegerField(
        source="type_version_number", help_text="The content type version it is locked to."
    )
    packageVersion = serializers.CharField(
        source="package_version", help_text="The package of that type version (read-only)."
    )
    name = serializers.CharField()
    description = serializers.CharField()
    status = serializers.ChoiceField(choices=STATUS_CHOICES)
    version = serializers.IntegerField(allow_null=True, help_text="Null until first published.")
    lastPublishedVersion = serializers.IntegerField(
        source="last_published_version", allow_null=True
    )
    isTemplate = serializers.BooleanField(source="is_template")
    content = JSONObjectField(required=False, help_text="The document; lists omit it.")
    tags = serializers.ListField(child=serializers.CharField())
    metadata = ContentMetadataOutputSerializer()
    createdAt = serializers.DateTimeField(source="created_at")
    updatedAt = serializers.DateTimeField(source="updated_at")
    schedule = ScheduleOutputSerializer(
        source="publish_schedule",
        allow_null=True,
        help_text="Its publishing schedule (POST …/schedule), or null.",
    )

    def __init__(self, *args: Any, omit_content: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if omit_content:
            self.fields.pop("content")


class ContentVersionOutputSerializer(serializers.Serializer):
    version = serializers.IntegerField()
    typeVersion = serializers.IntegerField(source="type_version_number")
    status = serializers.ChoiceField(choices=STATUS_CHOICES)
    content = JSONObjectField()
    createdAt = serializers.DateTimeField(source="created_at")
    createdBy = serializers.SerializerMethodField()

    def get_createdBy(self, obj: Any) -> str | None:
        return None if obj.created_by_id is None else str(obj.created_by_id)


class ContentMetadataInputSerializer(StrictSerializer):
    author = StrictCharField(max_length=254, required=False, allow_blank=True)
    locale = StrictCharField(max_length=35, required=False, allow_blank=True)


def tags_field() -> serializers.ListField:
    return serializers.ListField(
        child=StrictCharField(max_length=50), required=False, max_length=50
    )


class ContentCreateInputSerializer(StrictSerializer):
    typeId = StrictUUIDField(help_text="A content type of this project with a published version.")
    name = StrictCharField(max_length=200)
    description = StrictCharField(max_length=5000, required=False, allow_blank=True)
    isTemplate = StrictBooleanField(required=False)
    content = JSONObjectField(help_text="Validated against the type version's JSON Schema.")
    tags = tags_field()
    metadata = ContentMetadataInputSerializer(required=False)


class ContentUpdateInputSerializer(StrictSerializer):
    name = StrictCharField(max_length=200, required=False)
    description = StrictCharField(max_length=5000, required=False, allow_blank=True)
    isTemplate = StrictBooleanField(required=False)
    content = JSONObjectField(required=False)
    tags = tags_field()
    metadata = ContentMetadataInputSerializer(required=False)


class ContentMigrateInputSerializer(StrictSerializer):
    targetTypeVersion = StrictIntegerField(
        min_value=1, max_value=999_999_999, help_text="A newer version of the content type."
    )


class ContentListQuerySerializer(serializers.Serializer):
    typeId = serializers.UUIDField(required=False)
    status = serializers.ChoiceField(choices=STATUS_CHOICES, required=False)
    tags = TagsQueryField(required=False)
    search = serializers.CharField(max_length=200, required=False)
    isTemplate = serializers.BooleanField(required=False, allow_null=True, default=None)
    sort = serializers.ChoiceField(choices=list(CONTENT_SORTS), required=False)


def content_list_filters(data: dict[str, Any]) -> dict[str, Any]:
    mapping = {"typeId": "type_id", "isTemplate": "is_template"}
    return {mapping.get(key, key): value for key, value in data.items()}


def content_changes(data: dict[str, Any]) -> dict[str, Any]:
    """Map validated camelCase input to the service's field names."""
    mapping = {"isTemplate": "is_template"}
    return {mapping.get(key, key): value for key, value in data.items()}
