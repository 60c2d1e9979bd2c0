"""Reads of events, endpoints and deliveries, always scoped to the actor's organization (another
organization's objects answer 404)."""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, Prefetch, Q, QuerySet

from config.ids import validate_object_id
from publishing.tenancy import Actor
from webhooks.errors import WebhookDeliveryNotFoundError, WebhookEndpointNotFoundError
from webhooks.models import Event, WebhookAttempt, WebhookDelivery, WebhookEndpoint


def webhook_endpoint_list(*, actor: Actor) -> QuerySet[WebhookEndpoint]:
    return WebhookEndpoint.objects.filter(organization=actor.organization).order_by(
        "-created_at", "-pk"
    )


def webhook_endpoint_get(*, actor: Actor, endpoint_id: str) -> WebhookEndpoint:
    validate_object_id(endpoint_id, "webhookId")
    endpoint = webhook_endpoint_list(actor=actor).filter(pk=endpoint_id).first()
    if endpoint is None:
        raise WebhookEndpointNotFoundError()
    return endpoint


def webhook_delivery_list(
    *, endpoint: WebhookEndpoint, status: str | None = None
) -> QuerySet[WebhookDelivery]:
    queryset = (
        WebhookDelivery.objects.filter(endpoint=endpoint)
        .select_related("event")
        .prefetch_related(
            Prefetch("attempt_log", queryset=WebhookAttempt.objects.order_by("number"))
        )
        .order_by("-created_at", "-pk")
    )
    if status is not None:
        queryset = queryset.filter(status=status)
    return queryset


def webhook_delivery_get(*, endpoint: WebhookEndpoint, delivery_id: str) -> WebhookDelivery:
    validate_object_id(delivery_id, "deliveryId")
    delivery = webhook_delivery_list(endpoint=endpoint).filter(pk=delivery_id).first()
    if delivery is None:
        raise WebhookDeliveryNotFoundError()
    return delivery


def event_list(
    *,
    actor: Actor,
    type: str | None = None,
    since: dt.datetime | None = None,
    before: tuple[dt.datetime, str] | None = None,
) -> QuerySet[Event]:
    """The organization's events, newest first; ``before`` is the keyset cursor (occurred_at,
    id) of the last row of the previous page. Served by webhooks_event_org_newest_idx."""
    queryset = Event.objects.filter(organization=actor.organization)
    if type is not None:
        queryset = queryset.filter(type=type)
    if since is not None:
        queryset = queryset.filter(occurred_at__gte=since)
    if before is not None:
        at, pk = before
        queryset = queryset.filter(Q(occurred_at__lt=at) | Q(occurred_at=at, pk__lt=pk))
    return queryset.order_by("-occurred_at", "-pk")


def delivery_counts_by_status() -> list[tuple[tuple[str], float]]:
    """Deliveries by status, every status present (zero included), for ``/metrics``."""
    counts = dict(
        WebhookDelivery.objects.order_by()
        .values_list("status")
        .annotate(total=Count("pk"))
        .values_list("status", "total")
    )
    return [((status,), float(counts.get(status, 0))) for status in WebhookDelivery.Status.values]
