"""Routes of the ``/v1/`` content API (mounted under ``v1/`` by ``config.urls``)."""

from __future__ import annotations

import re

from django.urls import path, register_converter

from contenttypes_app.api import views


class VersionNumberConverter:
    """A version number path segment: 1 to 999,999,999 as an ``int``, and ``None`` for any other
    segment, so that the view answers a malformed number with 400 ``VALIDATION_FAILED`` as the
    API always has (a converter that refused it would make it a 404)."""

    regex = "[^/]+"
    number = re.compile(r"[0-9]{1,9}")

    def to_python(self, value: str) -> int | None:
        if self.number.fullmatch(value) and int(value) >= 1:
            return int(value)
        return None

    def to_url(self, value: int) -> str:
        return str(value)


register_converter(VersionNumberConverter, "version_number")

ORG = "organizations/<uuid:organization_id>"
PROJECT = f"{ORG}/projects/<uuid:project_id>"
CONTENT_TYPE = f"{PROJECT}/content-types/<uuid:id>"
CONTENT = f"{PROJECT}/content/<uuid:id>"
COMPONENT = f"{PROJECT}/components/<uuid:component_id>"

urlpatterns = [
    path(f"{ORG}/projects", views.ProjectListView.as_view(), name="ct-project-list"),
    path(PROJECT, views.ProjectDetailView.as_view(), name="ct-project-detail"),
    path(f"{PROJECT}/components", views.ComponentListView.as_view(), name="ct-component-list"),
    path(
        COMPONENT,
        views.ComponentDetailView.as_view(),
        name="ct-component-detail",
    ),
    path(f"{PROJECT}/packages", views.PackageListView.as_view(), name="ct-package-list"),
    path(
        f"{COMPONENT}/status",
        views.ComponentStatusView.as_view(),
        name="ct-component-status",
    ),
    path(
        f"{COMPONENT}/discard",
        views.ComponentDiscardView.as_view(),
        name="ct-component-discard",
    ),
    path(
        f"{COMPONENT}/rollback",
        views.ComponentRollbackView.as_view(),
        name="ct-component-rollback",
    ),
    path(
        f"{COMPONENT}/versions",
        views.ComponentVersionListView.as_view(),
        name="ct-component-version-list",
    ),
    path(
        f"{PROJECT}/packages/<str:version>/resolved",
        views.PackageResolvedView.as_view(),
        name="ct-package-resolved",
    ),
    path(
        f"{PROJECT}/packages/<str:version>",
        views.PackageDetailView.as_view(),
        name="ct-package-detail",
    ),
    path(
        f"{PROJECT}/content-types",
        views.ContentTypeListView.as_view(),
        name="ct-content-type-list",
    ),
    path(CONTENT_TYPE, views.ContentTypeDetailView.as_view(), name="ct-content-type-detail"),
    path(
        f"{CONTENT_TYPE}/publish",
        views.ContentTypePublishView.as_view(),
        name="ct-content-type-publish",
    ),
    path(
        f"{CONTENT_TYPE}/unpublish",
        views.ContentTypeUnpublishView.as_view(),
        name="ct-content-type-unpublish",
    ),
    path(
        f"{CONTENT_TYPE}/discard",
        views.ContentTypeDiscardView.as_view(),
        name="ct-content-type-discard",
    ),
    path(
        f"{CONTENT_TYPE}/status",
        views.ContentTypeStatusView.as_view(),
        name="ct-content-type-status",
    ),
    path(
        f"{CONTENT_TYPE}/package-version",
        views.ContentTypePackageVersionView.as_view(),
        name="ct-content-type-package-version",
    ),
    path(
        f"{CONTENT_TYPE}/schedule",
        views.ContentTypeScheduleView.as_view(),
        name="ct-content-type-schedule",
    ),
    path(
        f"{CONTENT_TYPE}/rollback",
        views.ContentTypeRollbackView.as_view(),
        name="ct-content-type-rollback",
    ),
    path(
        f"{CONTENT_TYPE}/versions",
        views.ContentTypeVersionListView.as_view(),
        name="ct-content-type-version-list",
    ),
    path(
        f"{CONTENT_TYPE}/versions/<version_number:version>",
        views.ContentTypeVersionDetailView.as_view(),
        name="ct-content-type-version-detail",
    ),
    path(
        f"{CONTENT_TYPE}/migrate-content",
        views.ContentTypeMigrateContentView.as_view(),
        name="ct-content-type-migrate-content",
    ),
    path(
        f"{CONTENT_TYPE}/content-migrations",
        views.ContentMigrationListView.as_view(),
        name="ct-content-migration-list",
    ),
    path(
        f"{CONTENT_TYPE}/content-migrations/<uuid:migration_id>",
        views.ContentMigrationDetailView.as_view(),
        name="ct-content-migration-detail",
    ),
    path(f"{PROJECT}/content", views.ContentListView.as_view(), name="ct-content-list"),
    path(CONTENT, views.ContentDetailView.as_view(), name="ct-content-detail"),
    path(f"{CONTENT}/publish", views.ContentPublishView.as_view(), name="ct-content-publish"),
    path(f"{CONTENT}/unpublish", views.ContentUnpublishView.as_view(), name="ct-content-unpublish"),
    path(f"{CONTENT}/discard", views.ContentDiscardView.as_view(), name="ct-content-discard"),
    path(f"{CONTENT}/status", views.ContentStatusView.as_view(), name="ct-content-status"),
    path(f"{CONTENT}/schedule", views.ContentScheduleView.as_view(), name="ct-content-schedule"),
    path(f"{CONTENT}/rollback", views.ContentRollbackView.as_view(), name="ct-content-rollback"),
    path(f"{CONTENT}/migrate", views.ContentMigrateView.as_view(), name="ct-content-migrate"),
    path(
        f"{CONTENT}/versions",
        views.ContentVersionListView.as_view(),
        name="ct-content-version-list",
    ),
    path(
        f"{CONTENT}/versions/<version_number:version>",
        views.ContentVersionDetailView.as_view(),
        name="ct-content-version-detail",
    ),
]
