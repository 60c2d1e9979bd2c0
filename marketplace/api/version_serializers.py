"""Serializers of listing versions, their diffs and a listing's usage (api/versions.py)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from marketplace.models import ReviewState


# --- listing versions ----------------------------------------------------------------------------
class ListingVersionOutputSerializer(serializers.Serializer):
    """One listing version; ``content`` is null where the listing hides its content from you
    (``context["content_visible"]``, decided once per listing by ``content_visible_to``)."""

    number = serializers.IntegerField()
    itemVersion = serializers.IntegerField(source="item_version")
    name = serializers.CharField()
    description = serializers.CharField()
    usageInformation = serializers.CharField(source="usage_information")
    variables = serializers.ListField(source="snapshot_variables", child=serializers.CharField())
    content = serializers.SerializerMethodField(
        help_text="The published text; null unless the content is visible to you."
    )
    createdAt = serializers.DateTimeField(source="created_at")
    review = serializers.ChoiceField(
        choices=ReviewState.choices,
        help_text=(
            "`published` (live now or before). The publisher's organization also sees its "
            "changes that wait for review (`pending`), were `rejected` or were `replaced` by a "
            "later republish before review."
        ),
    )

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_content(self, version) -> str | None:
        return version.snapshot_body if self.context["content_visible"] else None


class VariablesDiffSerializer(serializers.Serializer):
    added = serializers.ListField(child=serializers.CharField())
    removed = serializers.ListField(child=serializers.CharField())


class VersionFieldsDiffSerializer(serializers.Serializer):
    name = serializers.CharField(help_text="A unified diff; empty when unchanged.")
    description = serializers.CharField()
    usageInformation = serializers.CharField()
    variables = VariablesDiffSerializer()
    body = serializers.JSONField(
        help_text='A unified diff, or {"changed": true|false} where the content is hidden.'
    )


class ListingDiffOutputSerializer(serializers.Serializer):
    # "from" is a keyword: the fields are declared by name below.
    to = serializers.IntegerField()
    fields = VersionFieldsDiffSerializer()

    def get_fields(self):
        fields = super().get_fields()
        return {"from": serializers.IntegerField(), **fields}


class PinnedUsageSerializer(serializers.Serializer):
    version = serializers.IntegerField()
    count = serializers.IntegerField()


class ListingUsageOutputSerializer(serializers.Serializer):
    """How a listing is used, in counts only: never who acquired it."""

    usageCount = serializers.IntegerField()
    copies = serializers.IntegerField()
    referencesFollowing = serializers.IntegerField()
    referencesPinned = PinnedUsageSerializer(many=True, help_text="Per pinned version, ascending.")
