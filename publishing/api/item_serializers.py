"""Input and output shapes for prompts, templates and their versions."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from config.serializers import (
    StrictBooleanField,
    StrictCharField,
    StrictChoiceField,
    StrictFloatField,
    StrictSerializer,
    StrictSlugField,
)
from publishing.models import ItemSource, PublishableItem, TemplateType

HIDDEN_BODY = None  # what ``body`` reads as when the item's content is hidden


class OwnerSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    email = serializers.EmailField()
    fullName = serializers.CharField(source="full_name")


class ProvenanceSerializer(serializers.Serializer):
    listingId = serializers.CharField(source="copied_from_listing")
    organizationName = serializers.CharField(source="copied_from_organization_name")
    name = serializers.CharField(source="copied_from_name")


class PromptOutputSerializer(serializers.Serializer):
    id = serializers.CharField()
    name = serializers.CharField()
    description = serializers.CharField()
    body = serializers.SerializerMethodField(
        help_text="The text; null when the content is hidden by the listing it was copied from."
    )
    variables = serializers.ListField(child=serializers.CharField())
    temperature = serializers.FloatField(allow_null=True)
    contentHidden = serializers.BooleanField(source="content_hidden")
    owner = OwnerSerializer()
    organizationId = serializers.UUIDField(source="organization_id")
    copiedFrom = serializers.SerializerMethodField()
    latestVersion = serializers.IntegerField(source="latest_version", allow_null=True)
    hasUnversionedChanges = serializers.BooleanField(source="changed_since_last_version")
    createdAt = serializers.DateTimeField(source="created_at")
    updatedAt = serializers.DateTimeField(source="updated_at")

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_body(self, item: PublishableItem) -> str | None:
        return HIDDEN_BODY if item.content_hidden else item.body

    @extend_schema_field(ProvenanceSerializer(allow_null=True))
    def get_copiedFrom(self, item: PublishableItem) -> dict | None:
        if not item.copied_from_listing:
            return None
        return ProvenanceSerializer(item).data


class TemplateOutputSerializer(PromptOutputSerializer):
    type = serializers.ChoiceField(choices=TemplateType.choices)
    category = serializers.CharField()


class PromptWriteSerializer(StrictSerializer):
    name = StrictCharField(min_length=1, max_length=200)
    description = StrictCharField(max_length=2000, required=False, allow_blank=True)
    body = StrictCharField(min_length=1, max_length=100_000, trim_whitespace=False)
    temperature = StrictFloatField(min_value=0, max_value=1, required=False, allow_null=True)


class TemplateWriteSerializer(PromptWriteSerializer):
    type = StrictChoiceField(choices=TemplateType.choices)
    category = StrictSlugField(max_length=50, required=False)


class VersionOutputSerializer(serializers.Serializer):
    number = serializers.IntegerField()
    name = serializers.CharField()
    description = serializers.CharField()
    body = serializers.SerializerMethodField()
    variables = serializers.ListField(child=serializers.CharField())
    temperature = serializers.FloatField(allow_null=True)
    author = OwnerSerializer(allow_null=True)
    source = serializers.ChoiceField(choices=ItemSource.choices)
    label = serializers.CharField()
    createdAt = serializers.DateTimeField(source="created_at")

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_body(self, version) -> str | None:
        return HIDDEN_BODY if self.context.get("content_hidden") else version.body


class TemplateVersionOutputSerializer(VersionOutputSerializer):
    type = serializers.ChoiceField(choices=TemplateType.choices)
    category = serializers.CharField()


class CheckpointInputSerializer(StrictSerializer):
    label = StrictCharField(max_length=100, required=False, allow_blank=True)


class CheckpointOutputSerializer(serializers.Serializer):
    skipped = serializers.BooleanField(
        help_text="True when nothing changed since the last version."
    )
    version = VersionOutputSerializer()


class TemplateCheckpointOutputSerializer(CheckpointOutputSerializer):
    version = TemplateVersionOutputSerializer()


class RestoreOutputSerializer(serializers.Serializer):
    item = PromptOutputSerializer()
    version = VersionOutputSerializer()


class TemplateRestoreOutputSerializer(serializers.Serializer):
    item = TemplateOutputSerializer()
    version = TemplateVersionOutputSerializer()


class RenderInputSerializer(StrictSerializer):
    # Any JSON value, null included: null renders as empty text, at the top level as nested.
    variables = serializers.DictField(
        child=serializers.JSONField(allow_null=True),
        required=False,
        default=dict,
        allow_empty=True,
    )
    strict = StrictBooleanField(required=False, default=False)


class RenderOutputSerializer(serializers.Serializer):
    text = serializers.CharField(
        allow_null=True, help_text="The rendered text; null when the item's content is hidden."
    )
    missing = serializers.ListField(child=serializers.CharField())


class TemplateCategoryOutputSerializer(serializers.Serializer):
    name = serializers.SlugField(help_text="The slug a template's `category` holds.")
    displayName = serializers.CharField(source="display_name")
    description = serializers.CharField()
    color = serializers.CharField(help_text="Hex colour, #rrggbb.")
    sortOrder = serializers.IntegerField(source="sort_order")
