"""Input and output shapes of the marketplace API (publisher side)."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from config.serializers import (
    ObjectIdInputField,
    StrictBooleanField,
    StrictCharField,
    StrictChoiceField,
    StrictSerializer,
)
from marketplace.models import ItemType, Listing, ListingStatus, Scope, ShareType
from marketplace.services import ListingMetadata, ScopeSettings


class ScopeInputSerializer(StrictSerializer):
    enabled = StrictBooleanField(help_text="Publish to this scope.")
    shareType = StrictChoiceField(
        choices=ShareType.choices, required=False, help_text="Required when enabled."
    )
    isContentVisible = StrictBooleanField(required=False, default=True)
    allowEditableReferences = StrictBooleanField(
        required=False, default=False, help_text="Only with shareType 'reference'."
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        errors: dict[str, list[str]] = {}
        if attrs["enabled"] and "shareType" not in attrs:
            errors["shareType"] = ["This field is required when the scope is enabled."]
        if attrs.get("allowEditableReferences") and attrs.get("shareType") != ShareType.REFERENCE:
            errors["allowEditableReferences"] = ["Editable references need shareType 'reference'."]
        if errors:
            raise serializers.ValidationError(errors)
        return attrs


class ScopesInputSerializer(StrictSerializer):
    organization = ScopeInputSerializer(required=False)
    marketplace = ScopeInputSerializer(required=False)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if not any(scope["enabled"] for scope in attrs.values()):
            raise serializers.ValidationError("Enable at least one scope.")
        return attrs


class MetadataInputSerializer(StrictSerializer):
    name = StrictCharField(min_length=1, max_length=200, required=False)
    description = StrictCharField(max_length=2000, required=False, allow_blank=True)
    usageInformation = StrictCharField(max_length=5000, required=False, allow_blank=True)


def metadata_from(data: dict[str, Any] | None) -> ListingMetadata | None:
    if data is None:
        return None
    return ListingMetadata(
        name=data.get("name"),
        description=data.get("description"),
        usage_information=data.get("usageInformation"),
    )


class PublishInputSerializer(StrictSerializer):
    itemType = StrictChoiceField(choices=ItemType.choices)
    itemId = ObjectIdInputField(help_text="24-hex id of a prompt or template of your organization.")
    scopes = ScopesInputSerializer()
    metadata = MetadataInputSerializer(required=False, allow_null=True)

    def enabled_scopes(self) -> dict[str, ScopeSettings]:
        return {
            name: ScopeSettings(
                share_type=scope["shareType"],
                is_content_visible=scope["isContentVisible"],
                allow_editable_references=scope["allowEditableReferences"],
            )
            for name, scope in self.validated_data["scopes"].items()
            if scope["enabled"]
        }


class UnpublishInputSerializer(StrictSerializer):
    itemType = StrictChoiceField(choices=ItemType.choices)
    itemId = ObjectIdInputField()
    scopes = serializers.ListField(
        child=StrictChoiceField(choices=Scope.choices), min_length=1, max_length=2
    )


class ListingUpdateInputSerializer(StrictSerializer):
    shareType = StrictChoiceField(choices=ShareType.choices, required=False)
    isContentVisible = StrictBooleanField(required=False)
    allowEditableReferences = StrictBooleanField(required=False)
    metadata = MetadataInputSerializer(required=False)

    FIELD_MAP = {
        "shareType": "share_type",
        "isContentVisible": "is_content_visible",
        "allowEditableReferences": "allow_editable_references",
    }

    def changes(self) -> dict[str, Any]:
        return {
            self.FIELD_MAP[key]: value
            for key, value in self.validated_data.items()
            if key in self.FIELD_MAP
        }


# --- output ------------------------------------------------------------------------------------
class PublishedEntrySerializer(serializers.Serializer):
    id = serializers.CharField()
    scope = serializers.ChoiceField(choices=Scope.choices)
    shareType = serializers.ChoiceField(source="share_type", choices=ShareType.choices)
    isContentVisible = serializers.BooleanField(source="is_content_visible")
    allowEditableReferences = serializers.BooleanField(source="allow_editable_references")
    status = serializers.ChoiceField(choices=ListingStatus.choices)
    itemVersion = serializers.IntegerField(source="item_version")
    publishedAt = serializers.DateTimeField(source="published_at")


class PublishOutputSerializer(serializers.Serializer):
    published = PublishedEntrySerializer(many=True, help_text="One entry per enabled scope.")


class UnpublishedEntrySerializer(serializers.Serializer):
    id = serializers.CharField()
    scope = serializers.ChoiceField(choices=Scope.choices)
    status = serializers.ChoiceField(choices=ListingStatus.choices)


class UnpublishOutputSerializer(serializers.Serializer):
    unpublished = UnpublishedEntrySerializer(many=True)


class ModerationSerializer(serializers.Serializer):
    reason = serializers.CharField(source="moderation_reason")
    moderatedAt = serializers.DateTimeField(source="moderated_at", allow_null=True)


class OwnListingOutputSerializer(serializers.Serializer):
    """A listing as its publishing organization sees it: every field, content included."""

    id = serializers.CharField()
    itemType = serializers.ChoiceField(source="item_type", choices=ItemType.choices)
    itemId = serializers.CharField(source="item_id")
    itemVersion = serializers.IntegerField(source="item_version")
    scope = serializers.ChoiceField(choices=Scope.choices)
    shareType = serializers.ChoiceField(source="share_type", choices=ShareType.choices)
    isContentVisible = serializers.BooleanField(source="is_content_visible")
    allowEditableReferences = serializers.BooleanField(source="allow_editable_references")
    status = serializers.ChoiceField(choices=ListingStatus.choices)
    name = serializers.CharField()
    description = serializers.CharField()
    usageInformation = serializers.CharField(source="usage_information")
    variables = serializers.ListField(source="snapshot_variables", child=serializers.CharField())
    content = serializers.CharField(source="snapshot_body")
    usageCount = serializers.IntegerField(source="usage_count")
    moderation = serializers.SerializerMethodField()
    publisherId = serializers.IntegerField(source="publisher_id")
    publishedAt = serializers.DateTimeField(source="published_at")
    updatedAt = serializers.DateTimeField(source="updated_at")

    def get_moderation(self, listing: Listing) -> dict | None:
        if not listing.moderation_reason and listing.moderated_at is None:
            return None
        return ModerationSerializer(listing).data

    get_moderation.openapi_field = ModerationSerializer(allow_null=True)  # type: ignore[attr-defined]
