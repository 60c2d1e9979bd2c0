"""Writes of the content API, one function per use case, by sub-domain (CONVENTIONS.md).

Every function is keyword-only, transactional, scoped to the actor's organization (another
organization's objects are "not found"), and writes an ``AuditEvent``. Side effects (signals) run
after commit. Modules: ``projects``, ``components``, ``packages``, ``content_types`` (the status
machine), ``publish`` (versions), ``assembly`` (checking against a package, the schema in SQL),
``common`` (what they share), ``content`` and ``content_publish`` (content items),
``content_migration`` (bulk migration of a type's content, as a job), ``templates``.
"""

from contenttypes_app.services.components import (
    component_change_status,
    component_create,
    component_delete,
    component_discard,
    component_rollback,
    component_update,
)
from contenttypes_app.services.content import (
    can_publish_content,
    content_change_status,
    content_create,
    content_delete,
    content_discard,
    content_migrate,
    content_rollback,
    content_unpublish,
    content_update,
)
from contenttypes_app.services.content_migration import (
    content_migration_run,
    content_migration_start,
)
from contenttypes_app.services.content_publish import content_publish, content_publish_many
from contenttypes_app.services.content_types import (
    UPDATABLE_FIELDS,
    content_type_change_status,
    content_type_create,
    content_type_delete,
    content_type_discard,
    content_type_set_package_version,
    content_type_unpublish,
    content_type_update,
)
from contenttypes_app.services.packages import package_create
from contenttypes_app.services.permissions import can_publish, normalize_permissions
from contenttypes_app.services.projects import project_create, project_delete, project_update
from contenttypes_app.services.publish import content_type_publish, content_type_rollback

__all__ = [
    "UPDATABLE_FIELDS",
    "can_publish",
    "can_publish_content",
    "component_change_status",
    "component_create",
    "component_delete",
    "component_discard",
    "component_rollback",
    "component_update",
    "content_change_status",
    "content_create",
    "content_delete",
    "content_discard",
    "content_migrate",
    "content_migration_run",
    "content_migration_start",
    "content_publish",
    "content_publish_many",
    "content_rollback",
    "content_type_change_status",
    "content_type_create",
    "content_type_delete",
    "content_type_discard",
    "content_type_publish",
    "content_type_rollback",
    "content_type_set_package_version",
    "content_type_unpublish",
    "content_type_update",
    "content_unpublish",
    "content_update",
    "normalize_permissions",
    "package_create",
    "project_create",
    "project_delete",
    "project_update",
]
