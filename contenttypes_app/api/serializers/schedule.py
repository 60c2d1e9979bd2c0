"""Shapes of publishing schedules (content types and content)."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from config.serializers import OffsetDateTimeField, StrictSerializer


class ScheduleInputSerializer(StrictSerializer):
    publishAt = OffsetDateTimeField(required=False, allow_null=True)
    unpublishAt = OffsetDateTimeField(required=False, allow_null=True)


class ScheduleErrorSerializer(serializers.Serializer):
    transition = serializers.ChoiceField(choices=["publish", "unpublish"])
    code = serializers.CharField()
    message = serializers.CharField()
    details = serializers.DictField()
    at = serializers.CharField()


class ScheduleOutputSerializer(serializers.Serializer):
    """A schedule: each transition's time and status (``pending``, ``done``, ``failed``)."""

    id = serializers.UUIDField()
    contentTypeId = serializers.UUIDField(source="content_type_id", allow_null=True)
    contentId = serializers.UUIDField(source="content_id", allow_null=True)
    publishAt = serializers.DateTimeField(source="publish_at", allow_null=True)
    publishStatus = serializers.CharField(source="publish_status", allow_null=True)
    publishedAt = serializers.DateTimeField(source="published_at", allow_null=True)
    unpublishAt = serializers.DateTimeField(source="unpublish_at", allow_null=True)
    unpublishStatus = serializers.CharField(source="unpublish_status", allow_null=True)
    unpublishedAt = serializers.DateTimeField(source="unpublished_at", allow_null=True)
    scheduledBy = serializers.SerializerMethodField()
    lastError = ScheduleErrorSerializer(source="last_error", allow_null=True)
    createdAt = serializers.DateTimeField(source="created_at")
    updatedAt = serializers.DateTimeField(source="updated_at")

    def get_scheduledBy(self, obj: Any) -> str | None:
        return None if obj.scheduled_by_id is None else str(obj.scheduled_by_id)
