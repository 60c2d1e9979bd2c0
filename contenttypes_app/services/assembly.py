"""Check a content type against its package and assemble its schema (in SQL).

What publishing and ``content_type_set_package_version`` validate: the package exists and (for a
publish) is not ``draft``; the layout and every allow-listed component are in it and the layout is
a layout; groups have unique ids, none is empty, and the layout's slots name defined groups. The
schema is then an SQL expression (``contenttypes_app.sql``) that PostgreSQL fills in with the
package's stored component definitions. Query count does not depend on the allow-list's size.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.models.expressions import RawSQL

from contenttypes_app import allow_list as al
from contenttypes_app import semver
from contenttypes_app.errors import ContentTypePackageNotFoundError, ContentTypeValidationError
from contenttypes_app.models import Component, ContentTypeDefinition, Package, PackageComponent
from contenttypes_app.schema_generation import CapturedComponent, SlotGroupError, build_schema_frame
from contenttypes_app.sql import as_text, content_schema_sql, id_in, layout_schemas_only

INVALID_COMPONENTS_MESSAGE = (
    "Content type references components not in the specified package version"
)


# (project id, package version) → (package id, the package's rows of referenced components)
PackageRows = dict[tuple[Any, str], tuple[Any, list[tuple]]]


def released_package_rows(definitions: Iterable[ContentTypeDefinition]) -> PackageRows:
    """The released packages the definitions name, each with its rows ``(id, name, type,
    version, schema)`` of the components they reference (only layouts with their schema).

    Two queries whatever the number of definitions and the size of their allow-lists (none when
    no definition names a released package); a package that does not exist has no entry.
    """
    named = [d for d in definitions if d.package_version != semver.DRAFT]
    if not named:
        return {}
    wanted = set().union(
        *(al.referenced_ids(d.layout_component_id, d.component_ids_allow_list) for d in named)
    )
    packages = {
        package_id: (project_id, version)
        for package_id, project_id, version in Package.objects.filter(
            project_id__in={d.project_id for d in named},
            version__in={d.package_version for d in named},
        ).values_list("pk", "project_id", "version")
    }
    rows: PackageRows = {key: (package_id, []) for package_id, key in packages.items()}
    for package_id, *row in PackageComponent.objects.filter(
        id_in(PackageComponent, "component_id", wanted), package_id__in=list(packages)
    ).values_list(
        "package_id", as_text("component_id"), "name", "type", "version", layout_schemas_only()
    ):
        rows[packages[package_id]][1].append(tuple(row))
    return rows


def publishable_schema(definition: ContentTypeDefinition, package_rows: PackageRows) -> RawSQL:
    """Check the definition against its released package (from ``released_package_rows``) and
    return its schema as an SQL expression to save; 422 on the first problem, in this order: the
    package is ``draft``, missing, lacks a referenced component, the layout is not a layout, the
    groups or slots are wrong."""
    version = definition.package_version
    if version == semver.DRAFT:
        raise _draft_package_error(version)
    found = package_rows.get((definition.project_id, version))
    if found is None:
        raise _missing_package_error(version)
    package_id, rows = found
    captured = captured_from_rows(definition, rows)
    return generate_schema(definition, captured, package_id)


def captured_components(
    definition: ContentTypeDefinition,
) -> tuple[Any, dict[str, CapturedComponent]]:
    """The package's id (None for ``draft``, the live components) and the layout and
    allow-listed components as that package holds them (only layouts with their schema), for
    ``content_type_set_package_version``.

    Two queries whatever the size of the allow-list (the package, then its components whose ids
    are referenced). Raises 422 when the package is missing or lacks a referenced component, or
    when the layout is not a layout.
    """
    version = definition.package_version
    wanted = al.referenced_ids(definition.layout_component_id, definition.component_ids_allow_list)
    if version == semver.DRAFT:
        rows = (
            Component.objects.filter(
                id_in(Component, "id", wanted),
                project_id=definition.project_id,
            )
            .exclude(status=Component.Status.DELETED)
            .values_list(as_text("pk"), "name", "type", "version", layout_schemas_only())
        )
        return None, captured_from_rows(definition, rows)
    package_id = (
        Package.objects.filter(project_id=definition.project_id, version=version)
        .values_list("pk", flat=True)
        .first()
    )
    if package_id is None:
        raise _missing_package_error(version)
    rows = PackageComponent.objects.filter(
        id_in(PackageComponent, "component_id", wanted),
        package_id=package_id,
    ).values_list(as_text("component_id"), "name", "type", "version", layout_schemas_only())
    return package_id, captured_from_rows(definition, rows)


def _draft_package_error(version: str) -> ContentTypeValidationError:
    return ContentTypeValidationError(
        'Cannot publish against the "draft" package version; choose a released package.',
        details={"packageVersion": version},
    )


def _missing_package_error(version: str) -> ContentTypePackageNotFoundError:
    return ContentTypePackageNotFoundError(
        f"Package version {version} does not exist.", details={"packageVersion": version}
    )


def captured_from_rows(
    definition: ContentTypeDefinition, rows: Iterable[tuple]
) -> dict[str, CapturedComponent]:
    """Check the definition's components against the package rows ``(id, name, type, version,
    schema)`` that were loaded for it (extra rows are ignored); raise 422 on any problem."""
    wanted = al.referenced_ids(definition.layout_component_id, definition.component_ids_allow_list)
    wanted_set = set(wanted)  # a set: this runs once per row of the package
    captured = {
        str(pk): CapturedComponent(str(pk), name, type_, number, schema)
        for pk, name, type_, number, schema in rows
        if str(pk) in wanted_set
    }
    invalid = sorted(cid for cid in wanted if cid not in captured)
    if invalid:
        raise ContentTypeValidationError(
            INVALID_COMPONENTS_MESSAGE,
            details={"invalidComponentIds": invalid, "packageVersion": definition.package_version},
        )
    layout = captured[str(definition.layout_component_id)]
    if layout.type != Component.Type.LAYOUT:
        raise ContentTypeValidationError(
            "The layout component must be a component of type layout.",
            details={"layoutComponentId": layout.id, "type": layout.type},
        )
    return captured


def generate_schema(
    definition: ContentTypeDefinition, captured: dict[str, CapturedComponent], package_id: Any
) -> RawSQL:
    """The definition's schema (an SQL expression to save), or 422 on bad groups or slots."""
    problems = al.group_problems(definition.component_ids_allow_list)
    if problems:
        raise ContentTypeValidationError(
            "Component groups must have unique ids and at least one component.", details=problems
        )
    allowed = al.component_ids(definition.component_ids_allow_list)
    try:
        frame = build_schema_frame(
            title=definition.name,
            description=definition.description,
            layout=captured[str(definition.layout_component_id)],
            allow_list=definition.component_ids_allow_list,
            names={cid: captured[cid].name for cid in allowed},
        )
    except SlotGroupError as exc:
        raise ContentTypeValidationError(
            "The layout has slots for groups that the allow-list does not define.",
            details={"unknownSlotGroups": exc.unknown_groups},
        ) from exc
    return content_schema_sql(frame, package_id, allowed)
