"""Domain errors of the publishing app."""

from __future__ import annotations

from config.errors import ForbiddenError, NotFoundError


class VersionNotFoundError(NotFoundError):
    code = "VERSION_NOT_FOUND"
    default_message = "Version not found."


class ContentHiddenError(ForbiddenError):
    code = "CONTENT_HIDDEN"
    default_message = "This item's content is hidden by its publisher: it can be used, not read."
