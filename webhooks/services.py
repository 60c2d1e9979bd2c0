"""Writes of webhook endpoints and deliveries: one function per use case, each its own
transaction. The API and the admin call these, so both behave identically."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from publishing.models import Organization
from publishing.tenancy import Actor
from webhooks import ssrf
from webhooks.errors import (
    WebhookDeliveryNotFoundError,
    WebhookEndpointLimitError,
    WebhookEndpointNotFoundError,
    WebhookTargetInvalidError,
)
from webhooks.events import event_emit
from webhooks.models import Event, WebhookDelivery, WebhookEndpoint, new_webhook_secret
from webhooks.queue import defer_deliveries

ROTATION_OVERLAP = dt.timedelta(hours=24)
MANAGE = "manage webhooks"


def webhook_url_validate(url: str) -> str:
    """The creation rules of docs/webhooks.md; raises 400 naming ``url``."""
    try:
        ssrf.parse_target(url)
    except ssrf.TargetRefusedError as exc:
        raise WebhookTargetInvalidError.for_fields({"url": str(exc)}) from exc
    return url


def _locked_endpoint(actor: Actor, endpoint_id: str) -> WebhookEndpoint:
    endpoint = (
        WebhookEndpoint.objects.select_for_update(no_key=True)
        .filter(pk=endpoint_id, organization=actor.organization)
        .first()
    )
    if endpoint is None:
        raise WebhookEndpointNotFoundError()
    return endpoint


@transaction.atomic
def webhook_endpoint_create(
    *,
    actor: Actor,
    url: str,
    event_types: list[str],
    description: str = "",
    enabled: bool = True,
) -> WebhookEndpoint:
    """A new endpoint with a fresh secret (on the returned object, shown to the caller once)."""
    actor.require_role("admin", MANAGE)
    webhook_url_validate(url)
    # The organization row lock serialises creations, so two concurrent requests cannot both
    # take the last of the WEBHOOKS_MAX_ENDPOINTS places.
    Organization.objects.select_for_update(no_key=True).filter(pk=actor.organization.pk).get()
    limit = settings.WEBHOOKS_MAX_ENDPOINTS
    if WebhookEndpoint.objects.filter(organization=actor.organization).count() >= limit:
        raise WebhookEndpointLimitError(
            f"An organization has at most {limit} webhook endpoints; delete one first.",
            details={"limit": limit},
        )
    return WebhookEndpoint.objects.create(
        organization=actor.organization,
        url=url,
        description=description,
        event_types=sorted(set(event_types)),
        enabled=enabled,
    )


@transaction.atomic
def webhook_endpoint_update(
    *, actor: Actor, endpoint_id: str, changes: dict[str, Any]
) -> WebhookEndpoint:
    """Change ``url``, ``description``, ``event_types`` or ``enabled`` (only those given).
    Re-enabling clears the reason it was disabled (a 410)."""
    actor.require_role("admin", MANAGE)
    endpoint = _locked_endpoint(actor, endpoint_id)
    if "url" in changes:
        endpoint.url = webhook_url_validate(changes["url"])
    if "description" in changes:
        endpoint.description = changes["description"]
    if "event_types" in changes:
        endpoint.event_types = sorted(set(changes["event_types"]))
    if "enabled" in changes:
        endpoint.enabled = changes["enabled"]
        if endpoint.enabled:
            endpoint.disabled_reason = ""
    endpoint.save()
    return endpoint


@transaction.atomic
def webhook_endpoint_delete(*, actor: Actor, endpoint_id: str) -> None:
    """Delete the endpoint and its delivery log; its queued jobs then find nothing to do."""
    actor.require_role("admin", MANAGE)
    _locked_endpoint(actor, endpoint_id).delete()


@transaction.atomic
def webhook_endpoint_rotate_secret(*, actor: Actor, endpoint_id: str) -> WebhookEndpoint:
    """A new secret; the old one keeps signing (second signature) for 24 hours."""
    actor.require_role("admin", MANAGE)
    endpoint = _locked_endpoint(actor, endpoint_id)
    endpoint.previous_secret = endpoint.secret
    endpoint.previous_secret_expires_at = timezone.now() + ROTATION_OVERLAP
    endpoint.secret = new_webhook_secret()
    endpoint.save()
    return endpoint


@transaction.atomic
def webhook_endpoint_test(*, actor: Actor, endpoint_id: str) -> Event:
    """Emit a ``webhook.test`` event to this endpoint only."""
    actor.require_role("admin", MANAGE)
    endpoint = _locked_endpoint(actor, endpoint_id)
    return event_emit(
        organization_id=actor.organization.pk,
        type="webhook.test",
        data={
            "endpointId": endpoint.pk,
            "url": endpoint.url,
            "message": "This is a test event from the publishing platform.",
        },
        endpoint_id=endpoint.pk,
    )


@transaction.atomic
def webhook_delivery_redeliver(*, delivery_id: str) -> WebhookDelivery:
    """One more attempt now, whatever the delivery's state (``pending`` until it runs).

    The caller has checked that the delivery is theirs (the API through the selectors; the admin
    is staff). The attempt count keeps counting: a redelivery that fails is retried only while
    WEBHOOK_RETRY_SCHEDULE, counted over all the delivery's attempts, has delays left.
    """
    delivery = WebhookDelivery.objects.select_for_update(no_key=True).filter(pk=delivery_id).first()
    if delivery is None:
        raise WebhookDeliveryNotFoundError()
    delivery.status = WebhookDelivery.Status.PENDING
    delivery.next_attempt_at = timezone.now()
    delivery.save(update_fields=["status", "next_attempt_at"])
    defer_deliveries([(delivery.pk, delivery.attempts)])
    return delivery
