"""Webhooks in the Django admin: endpoints and deliveries, read-only, with a redeliver action
that calls the same service as ``POST /api/webhooks/{id}/deliveries/{deliveryId}/redeliver``."""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from config.errors import DomainError
from webhooks import services
from webhooks.models import Event, WebhookAttempt, WebhookDelivery, WebhookEndpoint


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(ReadOnlyAdmin):
    list_display = ("url", "organization", "enabled", "event_types", "created_at")
    list_filter = ("enabled",)
    search_fields = ("url", "organization__name", "id")
    list_select_related = ("organization",)
    exclude = ("secret", "previous_secret")  # signing secrets never show here
    readonly_fields = (
        "id",
        "organization",
        "url",
        "description",
        "event_types",
        "enabled",
        "disabled_reason",
        "previous_secret_expires_at",
        "created_at",
        "updated_at",
    )


class WebhookAttemptInline(admin.TabularInline):
    model = WebhookAttempt
    extra = 0
    can_delete = False
    fields = ("number", "attempted_at", "status_code", "duration_ms", "error", "response_body")
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(ReadOnlyAdmin):
    list_display = (
        "id",
        "event_type",
        "endpoint",
        "status",
        "attempts",
        "last_status_code",
        "last_attempt_at",
        "next_attempt_at",
    )
    list_filter = ("status",)
    search_fields = ("id", "event__id", "endpoint__url")
    list_select_related = ("event", "endpoint")
    readonly_fields = (
        "id",
        "event",
        "endpoint",
        "status",
        "attempts",
        "last_status_code",
        "last_error",
        "last_attempt_at",
        "next_attempt_at",
        "duration_ms",
        "created_at",
    )
    inlines = (WebhookAttemptInline,)
    actions = ("redeliver",)

    @admin.display(description="event")
    def event_type(self, delivery: WebhookDelivery) -> str:
        return delivery.event.type

    @admin.action(description="Redeliver the selected deliveries now", permissions=["view"])
    def redeliver(self, request: HttpRequest, queryset: QuerySet[WebhookDelivery]) -> None:
        done = 0
        for pk in queryset.order_by("pk").values_list("pk", flat=True):
            try:
                services.webhook_delivery_redeliver(delivery_id=pk)
            except DomainError as exc:
                self.message_user(request, f"{pk}: {exc.message}", messages.ERROR)
            else:
                done += 1
        self.message_user(request, f"Queued {done} deliveries for redelivery.", messages.SUCCESS)


@admin.register(Event)
class EventAdmin(ReadOnlyAdmin):
    list_display = ("id", "type", "organization", "occurred_at")
    list_filter = ("type",)
    search_fields = ("id", "organization__name")
    list_select_related = ("organization",)
    readonly_fields = ("id", "type", "organization", "occurred_at", "data")
