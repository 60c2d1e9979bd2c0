"""Thin views of the ``/v1/`` content API: resolve the actor, validate input, call a service or a
selector, shape the output. Single objects are returned bare, lists as ``{data, pagination}``,
errors as ``{"error": {...}}`` (``config.exceptions``)."""

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

__all__ = [
    "ComponentDetailView",
    "ComponentListView",
    "ContentTypeDetailView",
    "ContentTypeDiscardView",
    "ContentTypeListView",
    "ContentTypePackageVersionView",
    "ContentTypePublishView",
    "ContentTypeRollbackView",
    "ContentTypeStatusView",
    "ContentTypeUnpublishView",
    "ContentTypeVersionDetailView",
    "ContentTypeVersionListView",
    "PackageDetailView",
    "PackageListView",
    "ProjectDetailView",
    "ProjectListView",
]
