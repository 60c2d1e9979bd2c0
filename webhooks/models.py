"""Domain events, webhook endpoints, and the delivery log (one delivery per event and endpoint).

Delivery states (``WebhookDelivery.Status``), moved only by ``webhooks.delivery`` and
``webhooks.services.delivery_redeliver``:

    from       to          when
    pending    succeeded   an attempt answered 2xx
    pending    retrying    an attempt failed and the retry schedule has a next delay
    retrying   succeeded   as above
    retrying   retrying    as above
    *          failed      the schedule is exhausted, the endpoint answered 410, or it is disabled
    any        pending     redelivery (API or admin): one more attempt now, attempts keep counting

No others: a delivery never goes back from ``succeeded`` to ``retrying`` on its own, so a stale
job (a retry still queued after a success) does nothing.
"""

from __future__ import annotations

import os

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models

from config.ids import ObjectIdField, new_object_id

EVENT_ID_PREFIX = "evt_"


def new_event_id() -> str:
    return EVENT_ID_PREFIX + new_object_id()


class Event(models.Model):
    """Something that happened to an organization's resources, written in the transaction of the
    change (``webhooks.events.event_emit``). Kept ``EVENT_RETENTION_DAYS`` days."""

    id = models.CharField(primary_key=True, max_length=28, default=new_event_id, editable=False)
    type = models.CharField(max_length=100)
    organization = models.ForeignKey(  # indexed by webhooks_event_org_newest_idx
        "publishing.Organization", on_delete=models.CASCADE, related_name="events", db_index=False
    )
    occurred_at = models.DateTimeField()
    data = models.JSONField(default=dict, encoder=DjangoJSONEncoder)  # datetimes, UUIDs, Decimals

    class Meta:
        ordering = ["-occurred_at", "-id"]
        indexes = [
            # GET /api/events: newest first, keyset on (occurred_at, id), per organization.
            models.Index(
                fields=["organization", "-occurred_at", "-id"], name="webhooks_event_org_newest_idx"
            ),
            models.Index(fields=["occurred_at"], name="webhooks_event_occurred_idx"),  # purge
        ]

    def __str__(self) -> str:
        return f"{self.id} {self.type}"


def new_webhook_secret() -> str:
    import base64

    return "whsec_" + base64.b64encode(os.urandom(32)).decode()


class WebhookEndpoint(models.Model):
    id = ObjectIdField(primary_key=True, default=new_object_id)
    organization = models.ForeignKey(
        "publishing.Organization", on_delete=models.CASCADE, related_name="webhook_endpoints"
    )
    url = models.CharField(max_length=2000)
    description = models.CharField(max_length=500, blank=True, default="")
    event_types = models.JSONField(default=list, help_text='Event types, or ["*"] for all.')
    enabled = models.BooleanField(default=True)
    # The signing secrets must be readable to sign; they never leave the API after creation or
    # rotation. During the 24 h after a rotation both secrets sign every delivery.
    secret = models.CharField(max_length=100, default=new_webhook_secret)
    previous_secret = models.CharField(max_length=100, blank=True, default="")
    previous_secret_expires_at = models.DateTimeField(null=True, blank=True)
    disabled_reason = models.CharField(max_length=200, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["organization", "enabled"], name="webhooks_endpoint_org_idx")
        ]

    def __str__(self) -> str:
        return self.url

    def subscribes_to(self, event_type: str) -> bool:
        return "*" in self.event_types or event_type in self.event_types


class WebhookDelivery(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        RETRYING = "retrying", "Retrying"
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed"

    id = ObjectIdField(primary_key=True, default=new_object_id)
    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="deliveries")
    endpoint = models.ForeignKey(
        WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries"
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    last_status_code = models.PositiveIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=1000, blank=True, default="")
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    duration_ms = models.PositiveIntegerField(null=True, blank=True)
    # The procrastinate job making the current attempt: if its worker dies, the same job is
    # retried and recognised (webhooks.delivery._claim), so the attempt is sent again.
    claimed_job_id = models.BigIntegerField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["event", "endpoint"], name="webhooks_delivery_event_endpoint_uniq"
            )
        ]
        indexes = [
            models.Index(fields=["endpoint", "-created_at"], name="webhooks_delivery_endpoint_idx"),
        ]
        verbose_name_plural = "webhook deliveries"

    def __str__(self) -> str:
        return f"{self.event_id} → {self.endpoint_id} ({self.status})"


class WebhookAttempt(models.Model):
    """One HTTP attempt of a delivery: what the receiver answered, or why nothing was sent."""

    delivery = models.ForeignKey(
        WebhookDelivery, on_delete=models.CASCADE, related_name="attempt_log"
    )
    number = models.PositiveIntegerField()
    attempted_at = models.DateTimeField()
    status_code = models.PositiveIntegerField(null=True, blank=True)
    response_body = models.CharField(max_length=1024, blank=True, default="")
    duration_ms = models.PositiveIntegerField(default=0)
    error = models.CharField(max_length=1000, blank=True, default="")

    class Meta:
        ordering = ["delivery", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["delivery", "number"], name="webhooks_attempt_delivery_number_uniq"
            )
        ]

    def __str__(self) -> str:
        return f"{self.delivery_id} #{self.number}: {self.status_code or self.error}"
