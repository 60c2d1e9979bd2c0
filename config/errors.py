"""Domain errors: plain Python exceptions carrying an HTTP status and a stable machine code.

Services raise these (never DRF exceptions); ``config.exceptions.exception_handler`` renders them
in the envelope of the API family the request belongs to. Apps subclass them in ``<app>/errors.py``.
"""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    status_code: int = 400
    code: str = "VALIDATION_FAILED"
    default_message: str = "The request is invalid."

    def __init__(
        self,
        message: str | None = None,
        *,
        details: dict[str, Any] | None = None,
        code: str | None = None,
        status_code: int | None = None,
    ) -> None:
        self.message = message or self.default_message
        self.details = details or {}
        if code is not None:
            self.code = code
        if status_code is not None:
            self.status_code = status_code
        super().__init__(self.message)


class ValidationFailedError(DomainError):
    """400: the request's shape is wrong. ``details.fields`` maps fields to messages."""

    @classmethod
    def for_fields(cls, fields: dict[str, list[str] | str], message: str | None = None):
        normalised = {k: v if isinstance(v, list) else [v] for k, v in fields.items()}
        return cls(message or "Request validation failed.", details={"fields": normalised})


class SemanticValidationError(DomainError):
    """422: well-formed input that fails a semantic check (e.g. components not in a package)."""

    status_code = 422
    default_message = "The request failed validation."


class UnauthorizedError(DomainError):
    status_code = 401
    code = "UNAUTHORIZED"
    default_message = "Authentication credentials were not provided or are invalid."


class ForbiddenError(DomainError):
    status_code = 403
    code = "FORBIDDEN"
    default_message = "You do not have permission to perform this action."


class NotFoundError(DomainError):
    status_code = 404
    code = "NOT_FOUND"
    default_message = "Not found."


class InvalidStatusError(DomainError):
    status_code = 409
    code = "INVALID_STATUS"
    default_message = "This transition is not allowed from the current status."


class ConflictError(DomainError):
    status_code = 409
    code = "CONFLICT"
    default_message = "The request conflicts with the current state."


class PreconditionFailedError(DomainError):
    status_code = 412
    code = "PRECONDITION_FAILED"
    default_message = "The resource was modified since you last read it (If-Match mismatch)."


class ServiceUnavailableError(DomainError):
    status_code = 503
    code = "SERVICE_UNAVAILABLE"
    default_message = "The service is temporarily unavailable. Retry shortly."
