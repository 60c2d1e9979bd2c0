"""Thin views of the ``/v1/`` content API: resolve the actor, validate input, call a service or a
selector, shape the output. Single objects are returned bare, lists as ``{data, pagination}``,
errors as ``{"error": {...}}`` (``config.exceptions``)."""

from contenttypes_app.api.views.components import (
    ComponentDiscardView,
    ComponentRollbackView,
    ComponentStatusView,
    ComponentVersionListView,
    PackageResolvedView,
)
from contenttypes_app.api.views.content import (
    ContentDetailView,
    ContentDiscardView,
    ContentListView,
    ContentMigrateView,
    ContentPublishView,
    ContentRollbackView,
    ContentStatusView,
    ContentUnpublishView,
    ContentVersionDetailView,
    ContentVersionListView,
)
from contenttypes_app.api.views.content_migrations import (
    ContentMigrationDetailView,
    ContentMigrationListView,
    ContentTypeMigrateContentView,
)
from contenttypes_app.api.views.content_types import (
    ContentTypeDetailView,
    ContentTypeDiscardView,
    ContentTypeListView,
    ContentTypePackageVersionView,
    ContentTypePublishView,
    ContentTypeRollbackView,
    ContentTypeStatusView,
    ContentTypeUnpublishView,
    ContentTypeVersionDetailView,
    ContentTypeVersionListView,
)
from contenttypes_app.api.views.projects import (
    ComponentDetailView,
    ComponentListView,
    PackageDetailView,
    PackageListView,
    ProjectDetailView,
    ProjectListView,
)
from contenttypes_app.api.views.schedule import (
    ContentScheduleView,
    ContentTypeScheduleView,
)

__all__ = [
    "ComponentDetailView",
    "ComponentDiscardView",
    "ComponentListView",
    "ComponentRollbackView",
    "ComponentStatusView",
    "ComponentVersionListView",
    "ContentDetailView",
    "ContentDiscardView",
    "ContentListView",
    "ContentMigrateView",
    "ContentMigrationDetailView",
    "ContentMigrationListView",
    "ContentPublishView",
    "ContentRollbackView",
    "ContentScheduleView",
    "ContentStatusView",
    "ContentTypeDetailView",
    "ContentTypeDiscardView",
    "ContentTypeListView",
    "ContentTypeMigrateContentView",
    "ContentTypePackageVersionView",
    "ContentTypePublishView",
    "ContentTypeRollbackView",
    "ContentTypeScheduleView",
    "ContentTypeStatusView",
    "ContentTypeUnpublishView",
    "ContentTypeVersionDetailView",
    "ContentTypeVersionListView",
    "ContentUnpublishView",
    "ContentVersionDetailView",
    "ContentVersionListView",
    "PackageDetailView",
    "PackageListView",
    "PackageResolvedView",
    "ProjectDetailView",
    "ProjectListView",
]
