"""Shapes of publishing schedules (content types and content)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from config.serializers import StrictSerializer


@extend_schema_field(OpenApiTypes.DATETIME)
class OffsetDateTimeField(serializers.Field):
    """An ISO 8601 date-time that states its UTC offset (``Z`` or ``±hh:mm``): a time without
    one would mean whatever the server's zone is."""

    default_error_messages = {
        "invalid": "Must be an ISO 8601 date-time with a UTC offset, e.g. 2027-01-01T09:00:00Z.",
    }

    def to_internal_value(self, data: Any) -> dt.datetime:
        if not isinstance(data, str) or len(data) > 40:
            self.fail("invalid")
        try:
            value = dt.datetime.fromisoformat(data)
            if value.tzinfo is None or value.utcoffset() is None:
                self.fail("invalid")
            return value.astimezone(dt.UTC)
        except (ValueError, OverflowError):  # OverflowError: year 9999 with a negative offset
            self.fail("invalid")

    def to_representation(self, value: dt.datetime) -> str:
        return value.isoformat().replace("+00:00", "Z")


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
