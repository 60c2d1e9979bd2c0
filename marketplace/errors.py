"""Domain errors of the marketplace."""

from __future__ import annotations

from config.errors import ConflictError, DomainError, NotFoundError


class ListingNotFoundError(NotFoundError):
    default_message = "Listing not found."


class ListingUnavailableError(DomainError):
    status_code = 410
    code = "LISTING_UNAVAILABLE"
    default_message = "This listing is no longer available."


class IdempotencyKeyReusedError(DomainError):
    status_code = 422
    code = "IDEMPOTENCY_KEY_REUSED"
    default_message = "This Idempotency-Key was already used with a different request."


class EditableReferencesNotAllowedError(ConflictError):
    """Asking to make an existing acquisition editable where the listing does not allow it."""

    code = "EDITABLE_REFERENCES_NOT_ALLOWED"
    default_message = "This listing does not allow editable references."
