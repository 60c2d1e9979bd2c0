"""Set-based content-type publishing for operators (``publish_content_types``).

The same rules as ``content_type_publish`` (they share the validation and version-building
functions), in a constant number of queries per batch: lock the batch's definitions in id order,
load the packages they name and those packages' referenced components (names and types; only
layouts' schemas), validate each definition in memory, bulk-insert the versions (PostgreSQL
attaches the stored component definitions to each schema), bulk-update the definitions (copying
their new version's schema), bulk-insert the audit rows.
"""

from __future__ import annotations

import uuid

from django.db import transaction
from django.utils import timezone

from config.batches import BatchResult, ItemFailure
from config.errors import DomainError
from contenttypes_app import allow_list as al
from contenttypes_app import semver
from contenttypes_app.errors import ContentTypeInvalidStatusError
from contenttypes_app.models import (
    ContentTypeDefinition,
    ContentTypeVersion,
    Package,
    PackageComponent,
    Project,
)
from contenttypes_app.services.assembly import (
    captured_from_rows,
    draft_package_error,
    generate_schema,
    missing_package_error,
)
from contenttypes_app.services.content_types import Status, require_publisher
from contenttypes_app.services.publish import (
    PUBLISH_UPDATE_FIELDS,
    next_version,
    notify_published,
)
from contenttypes_app.sql import as_text, id_in, layout_schemas_only
from publishing.models import AuditEvent
from publishing.services import audit_event
from publishing.tenancy import Actor

PENDING_STATUSES = (Status.DRAFT, Status.MODIFIED, Status.UNPUBLISHED)


def _package_rows(
    project: Project, definitions: list[ContentTypeDefinition]
) -> dict[str, tuple[int, list]]:
    """``(package id, component rows)`` per released package version the batch names (two
    queries)."""
    versions = {d.package_version for d in definitions if d.package_version != semver.DRAFT}
    wanted = set().union(
        *(al.referenced_ids(d.layout_component_id, d.component_ids_allow_list) for d in definitions)
    )
    packages = dict(
        Package.objects.filter(project=project, version__in=versions).values_list("pk", "version")
    )
    rows: dict[str, tuple[int, list]] = {
        version: (package_id, []) for package_id, version in packages.items()
    }
    for package_id, *row in PackageComponent.objects.filter(
        id_in(PackageComponent, "component_id", wanted), package_id__in=packages
    ).values_list(
        "package_id", as_text("component_id"), "name", "type", "version", layout_schemas_only()
    ):
        rows[packages[package_id]][1].append(tuple(row))
    return rows


@transaction.atomic
def content_type_publish_batch(
    *, actor: Actor, project: Project, content_type_ids: list[uuid.UUID]
) -> BatchResult:
    """Publish a batch of content types of ``project`` in one transaction.

    Published types are unchanged (a no-op, as in the API); deleted ones fail with
    ``INVALID_STATUS``; the others become ``published`` with version ``last + 1``.
    """
    result = BatchResult()
    definitions = list(
        ContentTypeDefinition.objects.select_for_update(no_key=True)
        .filter(project=project, pk__in=content_type_ids)
        .defer("schema", "component_ids")  # large, and replaced or untouched here
        .order_by("pk")
    )
    found = {str(d.pk) for d in definitions}
    for missing in sorted({str(i) for i in content_type_ids} - found):
        result.failures.append(ItemFailure(missing, "NOT_FOUND", "Content type not found."))
    package_rows = _package_rows(project, definitions)
    now = timezone.now()
    versions: list[ContentTypeVersion] = []
    to_update: list[ContentTypeDefinition] = []
    audits = []
    for definition in definitions:
        if definition.status == Status.PUBLISHED:
            result.unchanged += 1
            continue
        try:
            require_publisher(actor, definition, "publish this content type")
            if definition.status == Status.DELETED:
                raise ContentTypeInvalidStatusError(
                    f"Cannot publish content type with status: {definition.status}"
                )
            if definition.package_version == semver.DRAFT:
                raise draft_package_error(definition.package_version)
            if definition.package_version not in package_rows:
                raise missing_package_error(definition.package_version)
            package_id, rows = package_rows[definition.package_version]
            captured = captured_from_rows(definition, rows)
            definition.schema = generate_schema(definition, captured, package_id)
        except DomainError as exc:
            result.failures.append(ItemFailure(str(definition.pk), exc.code, exc.message))
            continue
        versions.append(next_version(definition, actor, now))
        definition.revision += 1
        definition.updated_at = now
        to_update.append(definition)
        audits.append(
            audit_event(
                actor=actor,
                action="contenttypes.publish",
                target_type="content_type",
                target_id=str(definition.pk),
                details={
                    "version": definition.version,
                    "packageVersion": definition.package_version,
                    "bulk": True,
                },
            )
        )
        result.changed_ids.append(str(definition.pk))
    if to_update:
        ContentTypeVersion.objects.bulk_create(versions)
        ContentTypeDefinition.objects.bulk_update(
            to_update, [*PUBLISH_UPDATE_FIELDS, "revision", "updated_at"]
        )
        AuditEvent.objects.bulk_create(audits)
        for definition in to_update:
            notify_published(definition)
    return result


def pending_ids(project: Project) -> list:
    return list(
        ContentTypeDefinition.objects.filter(project=project, status__in=PENDING_STATUSES)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
