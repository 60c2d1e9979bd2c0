"""Domain errors of the marketplace."""

from __future__ import annotations

from config.errors import ConflictError, DomainError, InvalidStatusError, NotFoundError


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


# --- moderation ----------------------------------------------------------------------------------
class ListingModerationError(InvalidStatusError):
    """A moderation action the listing's current state does not allow (409 INVALID_STATUS).

    ``why`` is a short phrase ("status active, needs pending review") that bulk actions group by.
    """

    def __init__(self, *, action: str, listing_id: str, why: str, status: str) -> None:
        self.why = why
        super().__init__(
            f"Cannot {action} listing {listing_id}: {why}.",
            details={"action": action, "listingId": listing_id, "status": status, "why": why},
        )


class ReportInvalidStatusError(InvalidStatusError):
    """Resolving or dismissing a report that is no longer open (409 INVALID_STATUS)."""

    def __init__(self, *, action: str, report_id: str, status: str) -> None:
        self.why = f"already {status}"
        super().__init__(
            f"Cannot {action.replace('_report', '')} report {report_id}: it is already {status}.",
            details={"action": action, "reportId": report_id, "status": status, "why": self.why},
        )


class ReportNotFoundError(NotFoundError):
    default_message = "Report not found."


# --- listing versions ----------------------------------------------------------------------------
class ListingVersionNotFoundError(NotFoundError):
    code = "LISTING_VERSION_NOT_FOUND"
    default_message = "This listing has no such version."


class DiffTooLargeError(DomainError):
    """Diffing is quadratic at worst: past ``DIFF_MAX_BYTES`` of text the server refuses."""

    status_code = 413
    code = "DIFF_TOO_LARGE"
    default_message = "The versions hold too much text to diff."


class ReferencePinnedError(ConflictError):
    """Editing the source through a reference pinned to an old version would edit what the
    holder does not see: follow latest first."""

    code = "REFERENCE_PINNED"
    default_message = (
        "This reference is pinned to a version: follow latest first to edit the source."
    )
