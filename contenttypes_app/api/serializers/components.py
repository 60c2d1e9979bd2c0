"""Shapes of the component lifecycle (status, rollback, versions) and of resolved packages."""

from __future__ import annotations

from rest_framework import serializers

from config.serializers import StrictIntegerField, StrictSerializer
from contenttypes_app.api.serializers.content_types import SETTABLE_STATUSES, StatusInputSerializer
from contenttypes_app.api.serializers.fields import JSONObjectField
from contenttypes_app.models import Component


class ComponentStatusInputSerializer(StatusInputSerializer):
    """`deleted`, `draft` or `modified`; `published` is refused by the service (409: only a
    package publishes a component); anything else 400 with `details {provided, allowed}`."""

    passed_on = ("published",)
    status = serializers.ChoiceField(choices=[*SETTABLE_STATUSES, "published"])


class ComponentRollbackInputSerializer(StrictSerializer):
    version = StrictIntegerField(
        min_value=1, max_value=999_999_999, help_text="A component version a package captured."
    )


class ComponentVersionOutputSerializer(serializers.Serializer):
    version = serializers.IntegerField()
    name = serializers.CharField()
    type = serializers.ChoiceField(choices=Component.Type.choices)
    schema = JSONObjectField()
    packageVersions = serializers.ListField(
        child=serializers.CharField(),
        source="package_versions",
        help_text="The packages holding this version, oldest first.",
    )
    capturedAt = serializers.DateTimeField(
        source="captured_at", help_text="When a package first captured it."
    )


class ResolvedComponentSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    name = serializers.CharField()
    type = serializers.ChoiceField(choices=Component.Type.choices)
    version = serializers.IntegerField(
        allow_null=True, help_text="Null for a live component no package has captured (draft)."
    )
    schema = JSONObjectField(help_text="The component's JSON Schema (draft-07).")
    definition = JSONObjectField(
        help_text="The component as generated content-type schemas define it (`definitions`)."
    )
    assets = serializers.ListField(
        child=serializers.CharField(), help_text="Always empty: no assets are stored."
    )


class ResolvedPackageOutputSerializer(serializers.Serializer):
    version = serializers.CharField(help_text='A semantic version, or "draft".')
    components = ResolvedComponentSerializer(many=True)
