"""Shapes of bulk content migrations (``…/content-types/{id}/migrate-content``)."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from config.serializers import StrictBooleanField, StrictIntegerField, StrictSerializer
from contenttypes_app.models import ContentMigration


class MigrateContentInputSerializer(StrictSerializer):
    toVersion = StrictIntegerField(
        min_value=1, max_value=999_999_999, help_text="The type version to move every item to."
    )
    dryRun = StrictBooleanField(
        required=False, default=False, help_text="Report what would happen; change nothing."
    )


class SchemaErrorSerializer(serializers.Serializer):
    path = serializers.CharField(help_text='JSON Pointer into the document ("" is the root).')
    message = serializers.CharField()


class MigrationFailureSerializer(serializers.Serializer):
    id = serializers.UUIDField(help_text="The content item that does not fit the target.")
    errors = SchemaErrorSerializer(many=True)


class MigrationReportSerializer(serializers.Serializer):
    migrated = serializers.IntegerField(help_text="Items moved (a dry run: that would move).")
    failed = MigrationFailureSerializer(
        many=True, source="failures", help_text="The first 1,000 items that do not fit."
    )
    failedCount = serializers.IntegerField(source="failed_count", help_text="All that failed.")
    unchanged = serializers.IntegerField(help_text="Items already at the target version.")


class ContentMigrationOutputSerializer(serializers.Serializer):
    """A migration (or dry run) and its report so far; the report is final once ``status`` is
    ``succeeded`` or ``failed``."""

    id = serializers.UUIDField()
    typeId = serializers.UUIDField(source="type_id")
    toVersion = serializers.IntegerField(source="target.version")
    dryRun = serializers.BooleanField(source="dry_run")
    status = serializers.ChoiceField(choices=ContentMigration.Status.choices)
    report = MigrationReportSerializer(source="*")
    error = serializers.CharField(
        allow_null=True, help_text="Why the migration stopped (status failed); else null."
    )
    createdBy = serializers.UUIDField(source="created_by_id", allow_null=True)
    createdAt = serializers.DateTimeField(source="created_at")
    startedAt = serializers.DateTimeField(source="started_at", allow_null=True)
    finishedAt = serializers.DateTimeField(source="finished_at", allow_null=True)

    def to_representation(self, instance: Any) -> Any:
        data = super().to_representation(instance)
        data["error"] = data["error"] or None
        return data
