"""Packages: immutable semver snapshots of a project's live components.

Creation locks the project row (one package at a time per project, which makes "strictly
increasing" checkable) and then the project's live components, in primary key order.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from contenttypes_app import semver
from contenttypes_app.errors import PackageInvalidVersionError, PackageVersionExistsError
from contenttypes_app.models import Component, Package, PackageComponent
from contenttypes_app.schema_generation import CapturedComponent, component_definition
from contenttypes_app.services.common import audit, project_for_actor
from publishing.models import Role
from publishing.tenancy import Actor


@transaction.atomic
def package_create(
    *,
    actor: Actor,
    project_id: uuid.UUID,
    version: str,
    metadata: dict[str, Any] | None = None,
) -> Package:
    """Snapshot the project's live components as package ``version`` (semver, strictly greater
    than the latest). Draft components get version 1, modified ones version + 1; all become
    ``published``."""
    actor.require_role(Role.EDITOR, "create packages")
    parsed = semver.parse(version)
    if parsed is None:
        message = (
            '"draft" is reserved for the live components.'
            if version == semver.DRAFT
            else "Package versions must be semantic versions such as 1.2.0."
        )
        raise PackageInvalidVersionError(message, details={"version": version})
    project = project_for_actor(
        actor, project_id, for_update=True
    )  # one package at a time per project
    # Compared by semver precedence, not by creation time (clocks of app servers may differ).
    existing = list(Package.objects.filter(project=project).values_list("version", flat=True))
    if version in existing:
        raise PackageVersionExistsError(
            f"Package version {version} already exists.", details={"version": version}
        )
    latest = max(existing, key=semver.parse, default=None)
    if latest is not None and parsed <= semver.parse(latest):
        raise PackageInvalidVersionError(
            f"Package version {version} must be greater than the latest, {latest}.",
            details={"version": version, "latestVersion": latest},
        )
    components = list(
        Component.objects.select_for_update()
        .filter(project=project)
        .exclude(status=Component.Status.DELETED)
        .order_by("pk")
    )
    now = timezone.now()
    bumped = []
    for component in components:
        if component.status == Component.Status.DRAFT or component.version is None:
            component.version = 1
        elif component.status == Component.Status.MODIFIED:
            component.version += 1
        else:
            continue
        component.status = Component.Status.PUBLISHED
        component.updated_at = now
        bumped.append(component)
    Component.objects.bulk_update(bumped, ["status", "version", "updated_at"])
    try:
        package = Package.objects.create(
            project=project, version=version, metadata=metadata or {}, created_by=actor.user
        )
    except IntegrityError as exc:
        raise PackageVersionExistsError(details={"version": version}) from exc
    PackageComponent.objects.bulk_create(
        PackageComponent(
            package=package,
            component=c,
            name=c.name,
            type=c.type,
            version=c.version,
            schema=c.schema,
            definition=component_definition(
                CapturedComponent(str(c.pk), c.name, c.type, c.version, c.schema)
            ),
        )
        for c in components
    )
    audit(
        actor,
        "contenttypes.package.create",
        "package",
        package,
        version=version,
        components=len(components),
        bumped=[str(c.pk) for c in bumped],
    )
    return package
