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


class ScheduleNotFoundError(NotFoundError):
    """404 ``SCHEDULE_NOT_FOUND``: the content type or content item has no schedule."""

    code = "SCHEDULE_NOT_FOUND"
    default_message = "This object has no publishing schedule."


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
    """409 ``COMPONENT_IN_USE`` with ``details.referencedByPackages`` (package versions)."""

    code = "COMPONENT_IN_USE"
    default_message = "This component is held by a package; packages are immutable."


class ComponentInUseByDraftError(ConflictError):
    """409 ``COMPONENT_IN_USE_BY_DRAFT`` with ``details.contentTypes [{id, name}]``."""

    code = "COMPONENT_IN_USE_BY_DRAFT"
    default_message = "Content types not yet published with this component allow-list it."


class ComponentNoPublishedVersionError(ConflictError):
    code = "NO_PUBLISHED_VERSION"
    default_message = "This component has never been captured by a package."


class ComponentVersionNotFoundError(NotFoundError):
    """404 ``VERSION_NOT_FOUND`` with ``details {requestedVersion, latestVersion}``."""

    code = "VERSION_NOT_FOUND"
    default_message = "No package captured this version of the component."


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


# --- content items -----------------------------------------------------------------------------
class ContentNotFoundError(NotFoundError):
    default_message = "Content not found."


class ContentTypeReferenceNotFoundError(NotFoundError):
    """404 ``CONTENT_TYPE_NOT_FOUND`` with ``details.typeId``: content names an unknown type."""

    code = "CONTENT_TYPE_NOT_FOUND"
    default_message = "Content type not found in this project."


class ContentVersionNotFoundError(NotFoundError):
    """404 ``VERSION_NOT_FOUND`` with ``details {requestedVersion, latestVersion}``."""

    code = "VERSION_NOT_FOUND"
    default_message = "Version not found."


class TypeVersionNotFoundError(NotFoundError):
    """404 ``TYPE_VERSION_NOT_FOUND``: a migration target the content type never published."""

    code = "TYPE_VERSION_NOT_FOUND"
    default_message = "Content type version not found."


class ContentInvalidStatusError(InvalidStatusError):
    """409 ``INVALID_STATUS``: the content status machine forbids this transition."""


class ContentNoPublishedVersionError(ConflictError):
    code = "NO_PUBLISHED_VERSION"
    default_message = "This content has never been published."


class ContentTypeHasContentError(ConflictError):
    """409 ``CONTENT_TYPE_HAS_CONTENT`` with ``details.contentCount``."""

    code = "CONTENT_TYPE_HAS_CONTENT"
    default_message = "This content type still has content."


class ContentSchemaError(SemanticValidationError):
    """422 ``VALIDATION_FAILED`` "Content does not match schema", ``details.errors``."""

    default_message = "Content does not match schema"


class ContentInvalidMigrationError(SemanticValidationError):
    """422 ``INVALID_MIGRATION`` with ``details {currentVersion, targetVersion}``."""

    code = "INVALID_MIGRATION"
    default_message = "Content can only be migrated to a newer type version."


# --- bulk content migrations -------------------------------------------------------------------
class ContentMigrationNotFoundError(NotFoundError):
    code = "MIGRATION_NOT_FOUND"
    default_message = "Content migration not found."


class ContentMigrationInProgressError(ConflictError):
    """409 ``MIGRATION_IN_PROGRESS`` with ``details.migrationId``: one real migration per type."""

    code = "MIGRATION_IN_PROGRESS"
    default_message = "A content migration of this content type is already queued or running."
