"""Domain errors of events and webhooks."""

from __future__ import annotations

from config.errors import ConflictError, NotFoundError, ValidationFailedError


class WebhookEndpointNotFoundError(NotFoundError):
    default_message = "Webhook endpoint not found."


class WebhookDeliveryNotFoundError(NotFoundError):
    default_message = "Webhook delivery not found."


class WebhookEndpointLimitError(ConflictError):
    default_message = "This organization has reached its limit of webhook endpoints."


class WebhookTargetInvalidError(ValidationFailedError):
    """400 for a refused ``url`` (shape, scheme, credentials, a private literal address)."""
