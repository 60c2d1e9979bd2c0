"""Errors of the content API, each with a stable code (docs/content-types.md lists them)."""

from __future__ import annotations

from config.errors import (
    ConflictError,
    InvalidStatusError,
    NotFoundError,
    SemanticValidationError,
    ValidationFailedError,
)


# --- 404 ---------------------------------------------------------------------------------------
class ProjectNotFoundError(NotFoundError):
    default_message = "Project not found."


class ComponentNotFoundError(NotFoundError):
    default_message = "Component not found."


class ContentTypeNotFoundError(NotFoundError):
    default_message = "Content type not found."


class PackageNotFoundError(NotFoundError):
    """404 ``PACKAGE_NOT_FOUND``: reading a package version that does not exist."""

    code = "PACKAGE_NOT_FOUND"
    default_message = "Package version not found."


class ContentTypeVersionNotFoundError(NotFoundError):
    """404 ``VERSION_NOT_FOUND`` with ``details {requestedVersion, latestVersion}``."""

    code = "VERSION_NOT_FOUND"
    default_message = "Version not found."


# --- 400 ---------------------------------------------------------------------------------------
class PackageInvalidVersionError(ValidationFailedError):
    """400 ``INVALID_VERSION``: not a semantic version, or not greater than the latest package."""

    code = "INVALID_VERSION"
    default_message = "Invalid package version."


# --- 409 ---------------------------------------------------------------------------------------
class ContentTypeInvalidStatusError(InvalidStatusError):
    """409 ``INVALID_STATUS``: the status machine forbids this transition."""


class ComponentInvalidStatusError(InvalidStatusError):
    pass


class ContentTypeNoPublishedVersionError(ConflictError):
    code = "NO_PUBLISHED_VERSION"
    default_message = "This content type has never been published."


class AlreadyExistsError(ConflictError):
    code = "ALREADY_EXISTS"
    default_message = "An object with this name already exists."


class PackageVersionExistsError(ConflictError):
    code = "VERSION_EXISTS"
    default_message = "This package version already exists."


class ComponentInUseError(ConflictError):
    code = "COMPONENT_IN_USE"
    default_message = "This component is used by a package or a content type."


class ProjectNotEmptyError(ConflictError):
    code = "PROJECT_NOT_EMPTY"
    default_message = "This project still holds packages or content types."


# --- 422 ---------------------------------------------------------------------------------------
class ContentTypeValidationError(SemanticValidationError):
    """422 ``VALIDATION_FAILED``: the definition does not hold against its package."""


class ContentTypePackageNotFoundError(SemanticValidationError):
    """422 ``PACKAGE_NOT_FOUND``: the definition names a package version that does not exist."""

    code = "PACKAGE_NOT_FOUND"
    default_message = "The content type's package version does not exist."
