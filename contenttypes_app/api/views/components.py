"""Views of the component lifecycle (status, discard, rollback, versions) and of a package's
resolved runtime bundle."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from config.pagination import ContentPagination, paginated
from config.query_params import StrictQueryParamsMixin
from config.schema import PAGE_PARAMETERS, content_errors
from config.serializers import validated_input
from contenttypes_app import selectors, services
from contenttypes_app.api import serializers as s
from contenttypes_app.api.views.common import COMPONENTS, PACKAGES, content_page
from publishing.tenancy import actor_from_request


def _component(component) -> Response:
    return Response(s.ComponentOutputSerializer(component).data)


class ComponentStatusView(APIView):
    @extend_schema(
        tags=COMPONENTS,
        operation_id="content_components_status",
        summary="Soft-delete or restore a component",
        description=(
            "`deleted`: as `DELETE` (refused while in use). A deleted component is restored to "
            "`draft` when no package ever captured it, `modified` when one did; the other one "
            "answers 409 INVALID_STATUS, as does `published` (a package publishes components). "
            "Any other value: 400 VALIDATION_FAILED with `details {provided, allowed}`."
        ),
        request=s.ComponentStatusInputSerializer,
        responses={200: s.ComponentOutputSerializer, **content_errors(400, 401, 403, 404, 409)},
    )
    def post(self, request: Request, organization_id, project_id, component_id) -> Response:
        actor = actor_from_request(request, organization_id)
        data = validated_input(s.ComponentStatusInputSerializer, request).validated_data
        return _component(
            services.component_change_status(
                actor=actor,
                project_id=project_id,
                component_id=component_id,
                status=data["status"],
            )
        )


class ComponentDiscardView(APIView):
    @extend_schema(
        tags=COMPONENTS,
        operation_id="content_components_discard",
        summary="Discard edits: modified → the definition its last package captured",
        description="Never packaged: 409 NO_PUBLISHED_VERSION; not modified: 409 INVALID_STATUS.",
        request=None,
        responses={200: s.ComponentOutputSerializer, **content_errors(401, 403, 404, 409)},
    )
    def post(self, request: Request, organization_id, project_id, component_id) -> Response:
        actor = actor_from_request(request, organization_id)
        return _component(
            services.component_discard(
                actor=actor, project_id=project_id, component_id=component_id
            )
        )


class ComponentRollbackView(APIView):
    @extend_schema(
        tags=COMPONENTS,
        operation_id="content_components_rollback",
        summary="Make a captured version the working copy (modified)",
        description=(
            "The next package captures it as a new version. Unknown version: 404 "
            "VERSION_NOT_FOUND with `details {requestedVersion, latestVersion}`; a deleted "
            "component: 409 INVALID_STATUS."
        ),
        request=s.ComponentRollbackInputSerializer,
        responses={200: s.ComponentOutputSerializer, **content_errors(400, 401, 403, 404, 409)},
    )
    def post(self, request: Request, organization_id, project_id, component_id) -> Response:
        actor = actor_from_request(request, organization_id)
        data = validated_input(s.ComponentRollbackInputSerializer, request).validated_data
        return _component(
            services.component_rollback(
                actor=actor,
                project_id=project_id,
                component_id=component_id,
                version=data["version"],
            )
        )


class ComponentVersionListView(StrictQueryParamsMixin, APIView):
    @extend_schema(
        tags=COMPONENTS,
        operation_id="content_components_versions",
        summary="The versions packages captured, newest first, with the packages holding each",
        parameters=PAGE_PARAMETERS,
        responses={
            200: content_page(s.ComponentVersionOutputSerializer, "ComponentVersionPage"),
            **content_errors(400, 401, 404),
        },
    )
    def get(self, request: Request, organization_id, project_id, component_id) -> Response:
        actor = actor_from_request(request, organization_id)
        queryset = selectors.component_version_list(
            actor=actor, project_id=project_id, component_id=component_id
        )
        return paginated(request, queryset, s.ComponentVersionOutputSerializer, ContentPagination)


IF_NONE_MATCH = OpenApiParameter(
    "If-None-Match",
    str,
    OpenApiParameter.HEADER,
    required=False,
    description="The `ETag` you hold: 304 Not Modified when it is still current.",
)
RESOLVED_ETAG = OpenApiParameter(
    "ETag",
    str,
    OpenApiParameter.HEADER,
    response=[200, 304],
    description="Strong: a released package never changes (the draft one's follows its content).",
)
# A released package is immutable: clients and private caches may keep it; the draft one must be
# revalidated (If-None-Match) every time.
RELEASED_CACHE = "private, max-age=31536000, immutable"
DRAFT_CACHE = "private, no-cache"


def _not_modified(request: Request, etag: str) -> bool:
    header = request.headers.get("If-None-Match", "")
    return header.strip() == "*" or etag in [tag.strip() for tag in header.split(",")]


class PackageResolvedView(APIView):
    @extend_schema(
        tags=PACKAGES,
        operation_id="content_packages_resolved",
        summary="The runtime bundle of a package version, in one call",
        description=(
            "Each component with its version, JSON Schema, generated definition and assets "
            '(always empty). `"draft"` resolves the live components. Send the `ETag` back as '
            "`If-None-Match` to get 304 while it is current."
        ),
        parameters=[IF_NONE_MATCH, RESOLVED_ETAG],
        responses={
            200: s.ResolvedPackageOutputSerializer,
            304: OpenApiResponse(description="Not modified: the `ETag` you sent is current."),
            **content_errors(401, 404),
        },
    )
    def get(self, request: Request, organization_id, project_id, version: str) -> Response:
        actor = actor_from_request(request, organization_id)
        selectors.require_project_exists(actor, project_id)
        etag = selectors.package_etag(project_id, version)
        if etag is not None and _not_modified(request, etag):  # immutable: no need to build it
            return Response(status=304, headers={"ETag": etag, "Cache-Control": RELEASED_CACHE})
        resolved = selectors.package_resolved(actor=actor, project_id=project_id, version=version)
        cache = DRAFT_CACHE if etag is None else RELEASED_CACHE
        headers = {"ETag": resolved.etag, "Cache-Control": cache}
        if _not_modified(request, resolved.etag):
            return Response(status=304, headers=headers)
        return Response(s.ResolvedPackageOutputSerializer(resolved).data, headers=headers)
