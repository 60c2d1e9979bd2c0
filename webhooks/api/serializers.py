"""Input and output shapes of the webhooks and events API."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from config.serializers import StrictBooleanField, StrictCharField, StrictSerializer
from webhooks.events import EVENT_TYPES, WILDCARD
from webhooks.models import Event, WebhookAttempt, WebhookDelivery, WebhookEndpoint
from webhooks.ssrf import MAX_URL_LENGTH

MAX_EVENT_TYPES = 50


class EventTypesField(serializers.ListField):
    """``["listing.published", ...]`` or ``["*"]``; unknown names are refused, by name."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(
            child=StrictCharField(max_length=100),
            min_length=1,
            max_length=MAX_EVENT_TYPES,
            help_text='Event types to receive, or ["*"] for every type. Known types: '
            + ", ".join(EVENT_TYPES)
            + ".",
            **kwargs,
        )

    def to_internal_value(self, data: Any) -> list[str]:
        if not isinstance(data, list):
            raise serializers.ValidationError("Must be a JSON array of event types.")
        values = super().to_internal_value(data)
        unknown = sorted({v for v in values if v != WILDCARD and v not in EVENT_TYPES})
        if unknown:
            raise serializers.ValidationError(f"Unknown event types: {', '.join(unknown)}.")
        if WILDCARD in values and len(set(values)) > 1:
            raise serializers.ValidationError('"*" stands alone: it already means every type.')
        return values


class WebhookCreateInputSerializer(StrictSerializer):
    url = StrictCharField(
        max_length=MAX_URL_LENGTH,
        help_text="Absolute https:// URL (http:// where private targets are allowed), "
        "no credentials.",
    )
    description = StrictCharField(max_length=500, required=False, allow_blank=True, default="")
    eventTypes = EventTypesField()
    enabled = StrictBooleanField(required=False, default=True)


class WebhookUpdateInputSerializer(StrictSerializer):
    url = StrictCharField(max_length=MAX_URL_LENGTH, required=False)
    description = StrictCharField(max_length=500, required=False, allow_blank=True)
    eventTypes = EventTypesField(required=False)
    enabled = StrictBooleanField(required=False)

    def changes(self) -> dict[str, Any]:
        names = {"url": "url", "description": "description", "eventTypes": "event_types"}
        names["enabled"] = "enabled"
        return {names[k]: v for k, v in self.validated_data.items()}


class WebhookOutputSerializer(serializers.ModelSerializer):
    eventTypes = serializers.ListField(child=serializers.CharField(), source="event_types")
    disabledReason = serializers.CharField(
        source="disabled_reason", help_text="Why the server disabled it (a 410), if it did."
    )
    createdAt = serializers.DateTimeField(source="created_at")
    updatedAt = serializers.DateTimeField(source="updated_at")

    class Meta:
        model = WebhookEndpoint
        fields = [
            "id",
            "url",
            "description",
            "eventTypes",
            "enabled",
            "disabledReason",
            "createdAt",
            "updatedAt",
        ]


class WebhookWithSecretOutputSerializer(WebhookOutputSerializer):
    secret = serializers.CharField(
        help_text="Signing secret (whsec_…). Shown only on creation and rotation: store it."
    )

    class Meta(WebhookOutputSerializer.Meta):
        fields = [*WebhookOutputSerializer.Meta.fields, "secret"]


class WebhookAttemptOutputSerializer(serializers.ModelSerializer):
    attemptedAt = serializers.DateTimeField(source="attempted_at")
    statusCode = serializers.IntegerField(source="status_code", allow_null=True)
    durationMs = serializers.IntegerField(source="duration_ms")
    responseBody = serializers.CharField(
        source="response_body", help_text="The first 1 kB of the response."
    )

    class Meta:
        model = WebhookAttempt
        fields = ["number", "attemptedAt", "statusCode", "durationMs", "responseBody", "error"]


class WebhookDeliveryOutputSerializer(serializers.ModelSerializer):
    eventId = serializers.CharField(source="event_id")
    eventType = serializers.CharField(source="event.type")
    status = serializers.ChoiceField(choices=WebhookDelivery.Status.choices)
    lastStatusCode = serializers.IntegerField(source="last_status_code", allow_null=True)
    lastError = serializers.CharField(source="last_error")
    lastAttemptAt = serializers.DateTimeField(source="last_attempt_at", allow_null=True)
    nextAttemptAt = serializers.DateTimeField(source="next_attempt_at", allow_null=True)
    durationMs = serializers.IntegerField(source="duration_ms", allow_null=True)
    createdAt = serializers.DateTimeField(source="created_at")
    log = WebhookAttemptOutputSerializer(source="attempt_log", many=True)

    class Meta:
        model = WebhookDelivery
        fields = [
            "id",
            "eventId",
            "eventType",
            "status",
            "attempts",
            "lastStatusCode",
            "lastError",
            "lastAttemptAt",
            "nextAttemptAt",
            "durationMs",
            "createdAt",
            "log",
        ]


class WebhookTestOutputSerializer(serializers.Serializer):
    eventId = serializers.CharField()


class WebhookRedeliverOutputSerializer(serializers.Serializer):
    deliveryId = serializers.CharField()
    status = serializers.ChoiceField(choices=WebhookDelivery.Status.choices)


class EventOutputSerializer(serializers.ModelSerializer):
    organizationId = serializers.UUIDField(source="organization_id")
    occurredAt = serializers.DateTimeField(source="occurred_at")
    data = serializers.JSONField(help_text="The resource as the API shows it to you.")

    class Meta:
        model = Event
        fields = ["id", "type", "organizationId", "occurredAt", "data"]


class EventPageOutputSerializer(serializers.Serializer):
    items = EventOutputSerializer(many=True)
    nextCursor = serializers.CharField(
        allow_null=True, help_text="Pass it back as `cursor` for older events; null at the end."
    )
