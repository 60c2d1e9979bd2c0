"""Input and output shapes of the marketplace API (publisher side)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from config.serializers import (
    ObjectIdInputField,
    OffsetDateTimeField,
    StrictBooleanField,
    StrictCharField,
    StrictChoiceField,
    StrictSerializer,
)
from marketplace.api.schedule_serializers import (
    PUBLISH_AT_HELP,
    UNPUBLISH_AT_HELP,
    CurrentStatusField,
    schedule_from,
)
from marketplace.api.version_serializers import ListingVersionOutputSerializer
from marketplace.models import (
    Follow,
    ItemType,
    Listing,
    ListingStatus,
    ReportReason,
    Scope,
    ShareType,
)
from marketplace.services import ListingMetadata, ScheduleRequest, ScopeSettings


class ScopeInputSerializer(StrictSerializer):
    enabled = StrictBooleanField(help_text="Publish to this scope.")
    shareType = StrictChoiceField(
        choices=ShareType.choices, required=False, help_text="Required when enabled."
    )
    isContentVisible = StrictBooleanField(
        required=False,
        help_text="When omitted: an existing listing keeps its value; a new listing is visible "
        "(true). Hidden content becomes visible only when this is sent as true.",
    )
    allowEditableReferences = StrictBooleanField(
        required=False,
        help_text="When omitted: an existing listing keeps its value; a new listing false. "
        "True needs shareType 'reference' and visible content.",
    )
    publishAt = OffsetDateTimeField(required=False, allow_null=True, help_text=PUBLISH_AT_HELP)
    unpublishAt = OffsetDateTimeField(required=False, allow_null=True, help_text=UNPUBLISH_AT_HELP)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        # Request shape only; which settings may go together is the publish core's rule
        # (marketplace.services.listing_settings_errors), applied to the settings that result.
        if attrs["enabled"] and "shareType" not in attrs:
            raise serializers.ValidationError(
                {"shareType": ["This field is required when the scope is enabled."]}
            )
        return attrs


class ScopesInputSerializer(StrictSerializer):
    organization = ScopeInputSerializer(required=False)
    marketplace = ScopeInputSerializer(required=False)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if not any(scope["enabled"] for scope in attrs.values()):
            raise serializers.ValidationError("Enable at least one scope.")
        return attrs


class ListingMetadataInputSerializer(StrictSerializer):
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
    metadata = ListingMetadataInputSerializer(required=False, allow_null=True)

    def enabled_scopes(self) -> dict[str, ScopeSettings]:
        return enabled_scopes(self.validated_data)


def enabled_scopes(validated: dict[str, Any]) -> dict[str, ScopeSettings]:
    """The enabled scopes of a validated publish request, as the publish core takes them."""
    return {
        name: ScopeSettings(
            share_type=scope["shareType"],
            is_content_visible=scope.get("isContentVisible"),
            allow_editable_references=scope.get("allowEditableReferences"),
            schedule=schedule_from(scope),
        )
        for name, scope in validated["scopes"].items()
        if scope["enabled"]
    }


class ScopeListField(serializers.ListField):
    """Unpublish names scopes in a list; publish's object of per-scope settings is refused with
    a message that shows the expected shape."""

    default_error_messages = {
        "not_a_list": (
            'Must be a list of scope names, e.g. ["marketplace"] or ["organization", '
            '"marketplace"] (unlike publish, whose scopes is an object of per-scope settings).'
        ),
    }


class UnpublishInputSerializer(StrictSerializer):
    itemType = StrictChoiceField(choices=ItemType.choices)
    itemId = ObjectIdInputField()
    scopes = ScopeListField(
        child=StrictChoiceField(choices=Scope.choices),
        min_length=1,
        max_length=2,
        help_text='A list of scope names, e.g. ["marketplace"]: unlike publish, not an object.',
    )


class ListingUpdateInputSerializer(StrictSerializer):
    shareType = StrictChoiceField(choices=ShareType.choices, required=False)
    isContentVisible = StrictBooleanField(required=False)
    allowEditableReferences = StrictBooleanField(required=False)
    metadata = ListingMetadataInputSerializer(required=False)
    publishAt = OffsetDateTimeField(required=False, allow_null=True, help_text=PUBLISH_AT_HELP)
    unpublishAt = OffsetDateTimeField(required=False, allow_null=True, help_text=UNPUBLISH_AT_HELP)

    def schedule(self) -> ScheduleRequest:
        return schedule_from(self.validated_data)

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


LATEST_VERSION_HELP = (
    "The newest listing version. A republish replaces the snapshot, so today it equals "
    "`version`; references pinned to an older version show the difference."
)


PENDING_VERSION_HELP = (
    "A change waiting for review (review required, listing active): the listing keeps serving "
    "`version` until a moderator approves it; null when none waits."
)


# --- output ------------------------------------------------------------------------------------
class PublishedEntrySerializer(serializers.Serializer):
    id = serializers.CharField()
    scope = serializers.ChoiceField(choices=Scope.choices)
    shareType = serializers.ChoiceField(source="share_type", choices=ShareType.choices)
    isContentVisible = serializers.BooleanField(source="is_content_visible")
    allowEditableReferences = serializers.BooleanField(source="allow_editable_references")
    status = CurrentStatusField()
    itemVersion = serializers.IntegerField(source="item_version")
    publishedAt = serializers.DateTimeField(source="published_at")
    publishAt = serializers.DateTimeField(source="publish_at", allow_null=True)
    unpublishAt = serializers.DateTimeField(source="unpublish_at", allow_null=True)


class PublishOutputSerializer(serializers.Serializer):
    published = PublishedEntrySerializer(many=True, help_text="One entry per enabled scope.")


class UnpublishedEntrySerializer(serializers.Serializer):
    id = serializers.CharField()
    scope = serializers.ChoiceField(choices=Scope.choices)
    status = serializers.ChoiceField(choices=ListingStatus.choices)


class UnpublishOutputSerializer(serializers.Serializer):
    unpublished = UnpublishedEntrySerializer(many=True)


class CategorySerializer(serializers.Serializer):
    name = serializers.CharField(help_text="The slug templates store.")
    displayName = serializers.CharField()
    color = serializers.CharField(help_text="Hex colour, #rrggbb.")


def _category(listing: Listing) -> dict | None:
    from marketplace.selectors import category_info

    return category_info(listing)


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
    status = CurrentStatusField()
    name = serializers.CharField()
    description = serializers.CharField()
    usageInformation = serializers.CharField(source="usage_information")
    variables = serializers.ListField(source="snapshot_variables", child=serializers.CharField())
    content = serializers.CharField(source="snapshot_body")
    category = serializers.SerializerMethodField(help_text="Templates only; null for prompts.")
    usageCount = serializers.IntegerField(source="usage_count")
    version = serializers.IntegerField(help_text="The listing version its snapshot holds.")
    latestVersion = serializers.IntegerField(source="version", help_text=LATEST_VERSION_HELP)
    moderation = serializers.SerializerMethodField()
    pendingVersion = serializers.SerializerMethodField(help_text=PENDING_VERSION_HELP)
    publisherId = serializers.IntegerField(source="publisher_id")
    publishedAt = serializers.DateTimeField(
        source="published_at", help_text="When it went (or, while scheduled, goes) live."
    )
    publishAt = serializers.DateTimeField(
        source="publish_at", allow_null=True, help_text="Scheduled go-live; null when none."
    )
    unpublishAt = serializers.DateTimeField(
        source="unpublish_at", allow_null=True, help_text="Scheduled end; null when none."
    )
    updatedAt = serializers.DateTimeField(source="updated_at")

    @extend_schema_field(CategorySerializer(allow_null=True))
    def get_category(self, listing: Listing) -> dict | None:
        return _category(listing)

    @extend_schema_field(ListingVersionOutputSerializer(allow_null=True))
    def get_pendingVersion(self, listing: Listing) -> dict | None:
        if listing.pending_version_id is None:
            return None
        context = {"content_visible": True}  # the publisher's own content
        return ListingVersionOutputSerializer(listing.pending_version, context=context).data

    @extend_schema_field(ModerationSerializer(allow_null=True))
    def get_moderation(self, listing: Listing) -> dict | None:
        if not listing.moderation_reason and listing.moderated_at is None:
            return None
        return ModerationSerializer(listing).data


# --- consumer side -------------------------------------------------------------------------------
class PublisherSerializer(serializers.Serializer):
    name = serializers.CharField(help_text="The publishing user's name.")
    organization = serializers.CharField(help_text="The publishing organization's name.")


class ListingSummarySerializer(serializers.Serializer):
    """A listing in browse and search results. Never carries the content."""

    id = serializers.CharField()
    itemType = serializers.ChoiceField(source="item_type", choices=ItemType.choices)
    itemId = serializers.CharField(source="item_id")
    name = serializers.CharField()
    description = serializers.CharField()
    usageInformation = serializers.CharField(source="usage_information")
    variables = serializers.ListField(source="snapshot_variables", child=serializers.CharField())
    category = serializers.SerializerMethodField(help_text="Templates only; null for prompts.")
    publisher = serializers.SerializerMethodField()
    scope = serializers.ChoiceField(choices=Scope.choices)
    shareType = serializers.ChoiceField(source="share_type", choices=ShareType.choices)
    isContentVisible = serializers.BooleanField(source="is_content_visible")
    allowEditableReferences = serializers.BooleanField(source="allow_editable_references")
    status = CurrentStatusField()
    featured = serializers.BooleanField()
    usageCount = serializers.IntegerField(source="usage_count")
    isAcquired = serializers.BooleanField(source="is_acquired")
    itemVersion = serializers.IntegerField(source="item_version")
    version = serializers.IntegerField(help_text="The listing version its snapshot holds.")
    latestVersion = serializers.IntegerField(source="version", help_text=LATEST_VERSION_HELP)
    publishedAt = serializers.DateTimeField(source="published_at")

    @extend_schema_field(CategorySerializer(allow_null=True))
    def get_category(self, listing: Listing) -> dict | None:
        return _category(listing)

    @extend_schema_field(PublisherSerializer())
    def get_publisher(self, listing: Listing) -> dict:
        return {
            "name": listing.publisher.get_full_name(),
            "organization": listing.organization.name,
        }


class ListingDetailSerializer(ListingSummarySerializer):
    content = serializers.SerializerMethodField(
        help_text="The published text; null unless the content is visible to you."
    )

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_content(self, listing: Listing) -> str | None:
        from marketplace.selectors import content_visible_to

        return listing.snapshot_body if content_visible_to(listing, self.context["actor"]) else None


class BrowsePaginationSerializer(serializers.Serializer):
    page = serializers.IntegerField(allow_null=True)
    limit = serializers.IntegerField()
    total = serializers.IntegerField(
        allow_null=True,
        help_text="Exact on the last page and up to 1,000 matches; above, an estimate.",
    )
    pages = serializers.IntegerField(allow_null=True)


class BrowseOutputSerializer(serializers.Serializer):
    items = ListingSummarySerializer(many=True)
    pagination = BrowsePaginationSerializer(
        help_text="page/total/pages are null when paging by cursor."
    )
    nextCursor = serializers.CharField(
        allow_null=True, help_text="Pass as `cursor` for the next page; null on the last page."
    )


class AcquireInputSerializer(StrictSerializer):
    requestEditable = StrictBooleanField(required=False, default=False)
    follow = StrictChoiceField(
        choices=Follow.choices,
        required=False,
        default=Follow.LATEST,
        help_text="References only: follow the latest version (default) or stay pinned to one.",
    )
    version = serializers.IntegerField(
        required=False,
        min_value=1,
        max_value=10**9,
        help_text="With follow 'pinned': the version to pin (default: the live one).",
    )


class AcquisitionFollowInputSerializer(StrictSerializer):
    follow = StrictChoiceField(choices=Follow.choices)
    pinnedVersion = serializers.IntegerField(
        required=False,
        min_value=1,
        max_value=10**9,
        help_text="With follow 'pinned': any version of the listing (default: the live one).",
    )


class AcquisitionSerializer(serializers.Serializer):
    id = serializers.CharField()
    itemType = serializers.ChoiceField(source="listing.item_type", choices=ItemType.choices)
    type = serializers.ChoiceField(choices=ShareType.choices)
    isEditable = serializers.BooleanField(source="is_editable")
    publishedItemId = serializers.CharField(source="listing_id", help_text="The listing id.")
    originalItemId = serializers.CharField(source="listing.item_id")
    copiedItemId = serializers.SerializerMethodField()
    acquiredAt = serializers.DateTimeField(source="acquired_at")
    follow = serializers.ChoiceField(choices=Follow.choices)
    pinnedVersion = serializers.IntegerField(
        source="pinned.number", allow_null=True, help_text="Null unless pinned."
    )
    latestVersion = serializers.IntegerField(source="listing.version")
    updateAvailable = serializers.BooleanField(
        source="update_available", help_text="Pinned to a version older than the latest."
    )

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_copiedItemId(self, acquisition) -> str | None:
        copy = acquisition.copied_item
        return copy.pk if copy is not None else None


class AcquireOutputSerializer(serializers.Serializer):
    acquired = AcquisitionSerializer()


class ResolvedItemSerializer(serializers.Serializer):
    """What an acquisition resolves to: the copy, or the listing's latest published snapshot."""

    id = serializers.CharField()
    name = serializers.CharField()
    description = serializers.CharField()
    body = serializers.CharField(allow_null=True, help_text="Null when the content is hidden.")
    variables = serializers.ListField(child=serializers.CharField())
    version = serializers.IntegerField(allow_null=True)
    contentHidden = serializers.BooleanField()


class AcquisitionDetailSerializer(AcquisitionSerializer):
    listingName = serializers.CharField(source="listing.name")
    available = serializers.SerializerMethodField(
        help_text="False when a reference's listing is no longer active."
    )
    item = serializers.SerializerMethodField()

    @extend_schema_field(serializers.BooleanField())
    def get_available(self, acquisition) -> bool:
        from marketplace.visibility import acquisition_listing_live

        return acquisition.type == ShareType.COPY or acquisition_listing_live(acquisition)

    @extend_schema_field(ResolvedItemSerializer(allow_null=True))
    def get_item(self, acquisition) -> dict | None:
        from marketplace.selectors import content_visible_to

        if acquisition.type == ShareType.COPY:
            copy = acquisition.copied_item
            if copy is None:
                return None
            return {
                "id": copy.pk,
                "name": copy.name,
                "description": copy.description,
                "body": None if copy.content_hidden else copy.body,
                "variables": copy.variables,
                "version": copy.latest_version or None,
                "contentHidden": copy.content_hidden,
            }
        from marketplace.visibility import acquisition_listing_live

        listing = acquisition.listing
        if not acquisition_listing_live(acquisition):
            return None
        visible = content_visible_to(listing, self.context["actor"])
        source = acquisition.source  # the pinned version, or the listing's latest snapshot
        return {
            "id": listing.item_id,
            "name": source.snapshot_name,
            "description": source.snapshot_description,
            "body": source.snapshot_body if visible else None,
            "variables": source.snapshot_variables,
            "version": source.item_version,
            "contentHidden": not visible,
        }


class ReferenceEditInputSerializer(StrictSerializer):
    name = StrictCharField(min_length=1, max_length=200, required=False)
    description = StrictCharField(max_length=2000, required=False, allow_blank=True)
    body = StrictCharField(min_length=1, max_length=100_000, required=False, trim_whitespace=False)


class AcquisitionPatchInputSerializer(ReferenceEditInputSerializer):
    """The schema of ``PATCH /api/marketplace/acquired/{id}``: with ``follow`` a change of pin
    (``AcquisitionFollowInputSerializer``), else an edit (``ReferenceEditInputSerializer``);
    the view validates each with its own strict serializer, so the two never mix."""

    follow = StrictChoiceField(choices=Follow.choices, required=False)
    pinnedVersion = serializers.IntegerField(required=False, min_value=1, max_value=10**9)


class ReferenceEditOutputSerializer(serializers.Serializer):
    acquisition = AcquisitionDetailSerializer()
    version = serializers.IntegerField(
        allow_null=True,
        help_text="The source item's new version number; null for a change of follow.",
    )


class ReportInputSerializer(StrictSerializer):
    reason = StrictChoiceField(choices=ReportReason.choices)
    details = StrictCharField(max_length=2000, required=False, allow_blank=True, default="")


class ReportOutputSerializer(serializers.Serializer):
    id = serializers.CharField()
    listingId = serializers.CharField(source="listing_id")
    reason = serializers.ChoiceField(choices=ReportReason.choices)
    details = serializers.CharField()
    status = serializers.CharField()
    createdAt = serializers.DateTimeField(source="created_at")
