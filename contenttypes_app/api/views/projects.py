"""Views of projects, components and packages."""

from __future__ import annotations

import uuid

from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
)
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from config.errors import ValidationFailedError
from config.pagination import ContentPagination, paginated
from config.query_params import StrictQueryParamsMixin
from config.schema import PAGE_PARAMETERS, content_errors
from config.serializers import validated_input
from contenttypes_app import selectors, services
from contenttypes_app.api import serializers as s
from contenttypes_app.api.views.common import (
    COMPONENTS,
    PACKAGES,
    PROJECTS,
    content_page,
    validated_query,
)
from publishing.tenancy import actor_from_request


# --- projects ----------------------------------------------------------------------------------
class ProjectListView(StrictQueryParamsMixin, APIView):
    @extend_schema(
        tags=PROJECTS,
        operation_id="content_projects_list",
        summary="List the organization's projects",
        parameters=[
            *PAGE_PARAMETERS,
            OpenApiParameter("search", str, description="Substring of the name or slug."),
        ],
        responses={
            200: content_page(s.ProjectOutputSerializer, "ProjectPage"),
            **content_errors(400, 401, 404),
        },
    )
    def get(self, request: Request, organization_id: uuid.UUID) -> Response:
        actor = actor_from_request(request, organization_id)
        search = (request.query_params.get("search") or "").strip()[:200] or None
        if search is not None and "\x00" in search:
            raise ValidationFailedError.for_fields({"search": "Null characters are not allowed."})
        queryset = selectors.project_list(actor=actor, search=search)
        return paginated(request, queryset, s.ProjectOutputSerializer, ContentPagination)

    @extend_schema(
        tags=PROJECTS,
        operation_id="content_projects_create",
        summary="Create a project (editor or higher)",
        request=s.ProjectCreateInputSerializer,
        responses={201: s.ProjectOutputSerializer, **content_errors(400, 401, 403, 404, 409)},
    )
    def post(self, request: Request, organization_id: uuid.UUID) -> Response:
        actor = actor_from_request(request, organization_id)
        data = validated_input(s.ProjectCreateInputSerializer, request).validated_data
        project = services.project_create(
            actor=actor,
            name=data["name"],
            slug=data.get("slug"),
            description=data.get("description", ""),
        )
        return Response(s.ProjectOutputSerializer(project).data, status=201)


class ProjectDetailView(APIView):
    @extend_schema(
        tags=PROJECTS,
        operation_id="content_projects_retrieve",
        summary="Get a project",
        responses={200: s.ProjectOutputSerializer, **content_errors(401, 404)},
    )
    def get(self, request: Request, organization_id: uuid.UUID, project_id: uuid.UUID):
        actor = actor_from_request(request, organization_id)
        project = selectors.project_get(actor=actor, project_id=project_id)
        return Response(s.ProjectOutputSerializer(project).data)

    @extend_schema(
        tags=PROJECTS,
        operation_id="content_projects_update",
        summary="Update a project's name, slug or description (partial; editor or higher)",
        request=s.ProjectUpdateInputSerializer,
        responses={200: s.ProjectOutputSerializer, **content_errors(400, 401, 403, 404, 409)},
    )
    def put(self, request: Request, organization_id: uuid.UUID, project_id: uuid.UUID):
        actor = actor_from_request(request, organization_id)
        data = validated_input(s.ProjectUpdateInputSerializer, request).validated_data
        project = services.project_update(actor=actor, project_id=project_id, **data)
        return Response(s.ProjectOutputSerializer(project).data)

    @extend_schema(
        tags=PROJECTS,
        operation_id="content_projects_delete",
        summary="Delete an empty project (admin or owner); 409 PROJECT_NOT_EMPTY otherwise",
        responses={200: s.DeletedOutputSerializer, **content_errors(401, 403, 404, 409)},
    )
    def delete(self, request: Request, organization_id: uuid.UUID, project_id: uuid.UUID):
        actor = actor_from_request(request, organization_id)
        deleted = services.project_delete(actor=actor, project_id=project_id)
        return Response({"message": "Project deleted.", "id": str(deleted)})


# --- components --------------------------------------------------------------------------------
class ComponentListView(StrictQueryParamsMixin, APIView):
    @extend_schema(
        tags=COMPONENTS,
        operation_id="content_components_list",
        summary="List components (deleted ones only with status=deleted)",
        parameters=[
            *PAGE_PARAMETERS,
            OpenApiParameter("type", str, enum=["view", "layout"]),
            OpenApiParameter("status", str, enum=["draft", "modified", "published", "deleted"]),
            OpenApiParameter("search", str, description="Substring of the name or description."),
        ],
        responses={
            200: content_page(s.ComponentOutputSerializer, "ComponentPage"),
            **content_errors(400, 401, 404),
        },
    )
    def get(self, request: Request, organization_id: uuid.UUID, project_id: uuid.UUID):
        actor = actor_from_request(request, organization_id)
        filters = validated_query(s.ComponentListQuerySerializer, request)
        queryset = selectors.component_list(actor=actor, project_id=project_id, **filters)
        return paginated(request, queryset, s.ComponentOutputSerializer, ContentPagination)

    @extend_schema(
        tags=COMPONENTS,
        operation_id="content_components_create",
        summary="Create a component (draft, no version until a package captures it)",
        request=s.ComponentCreateInputSerializer,
        responses={201: s.ComponentOutputSerializer, **content_errors(400, 401, 403, 404, 409)},
    )
    def post(self, request: Request, organization_id: uuid.UUID, project_id: uuid.UUID):
        actor = actor_from_request(request, organization_id)
        data = validated_input(s.ComponentCreateInputSerializer, request).validated_data
        component = services.component_create(
            actor=actor,
            project_id=project_id,
            name=data["name"],
            type=data["type"],
            schema=data.get("schema", {"type": "object", "properties": {}}),
            description=data.get("description", ""),
        )
        return Response(s.ComponentOutputSerializer(component).data, status=201)


class ComponentDetailView(APIView):
    @extend_schema(
        tags=COMPONENTS,
        operation_id="content_components_retrieve",
        summary="Get a component",
        responses={200: s.ComponentOutputSerializer, **content_errors(401, 404)},
    )
    def get(self, request: Request, organization_id, project_id, component_id) -> Response:
        actor = actor_from_request(request, organization_id)
        component = selectors.component_get(
            actor=actor, project_id=project_id, component_id=component_id
        )
        return Response(s.ComponentOutputSerializer(component).data)

    @extend_schema(
        tags=COMPONENTS,
        operation_id="content_components_update",
        summary="Update a component (partial); a published one becomes modified",
        request=s.ComponentUpdateInputSerializer,
        responses={200: s.ComponentOutputSerializer, **content_errors(400, 401, 403, 404, 409)},
    )
    def put(self, request: Request, organization_id, project_id, component_id) -> Response:
        actor = actor_from_request(request, organization_id)
        data = validated_input(s.ComponentUpdateInputSerializer, request).validated_data
        component = services.component_update(
            actor=actor, project_id=project_id, component_id=component_id, changes=data
        )
        return Response(s.ComponentOutputSerializer(component).data)

    @extend_schema(
        tags=COMPONENTS,
        operation_id="content_components_delete",
        summary="Delete a component (soft); refused while it is in use",
        description=(
            "A package holds it: 409 COMPONENT_IN_USE with `details.referencedByPackages` (package "
            "versions). A content type not yet published with it allow-lists it: 409 "
            "COMPONENT_IN_USE_BY_DRAFT with `details.contentTypes [{id, name}]`."
        ),
        responses={200: s.DeletedOutputSerializer, **content_errors(401, 403, 404, 409)},
    )
    def delete(self, request: Request, organization_id, project_id, component_id) -> Response:
        actor = actor_from_request(request, organization_id)
        component = services.component_delete(
            actor=actor, project_id=project_id, component_id=component_id
        )
        return Response({"message": "Component deleted.", "id": str(component.pk)})


# --- packages ----------------------------------------------------------------------------------
class PackageListView(StrictQueryParamsMixin, APIView):
    @extend_schema(
        tags=PACKAGES,
        operation_id="content_packages_list",
        summary="List packages, newest first",
        parameters=PAGE_PARAMETERS,
        responses={
            200: content_page(s.PackageSummaryOutputSerializer, "PackagePage"),
            **content_errors(400, 401, 404),
        },
    )
    def get(self, request: Request, organization_id: uuid.UUID, project_id: uuid.UUID):
        actor = actor_from_request(request, organization_id)
        queryset = selectors.package_list(actor=actor, project_id=project_id)
        return paginated(request, queryset, s.PackageSummaryOutputSerializer, ContentPagination)

    @extend_schema(
        tags=PACKAGES,
        operation_id="content_packages_create",
        summary="Snapshot the live components as a new semver package",
        description=(
            "Draft components get version 1 and modified ones version + 1; all become published. "
            "`version` must be a semantic version greater than the latest package's "
            "(400 INVALID_VERSION) and new (409 VERSION_EXISTS)."
        ),
        request=s.PackageCreateInputSerializer,
        responses={201: s.PackageOutputSerializer, **content_errors(400, 401, 403, 404, 409)},
    )
    def post(self, request: Request, organization_id: uuid.UUID, project_id: uuid.UUID):
        actor = actor_from_request(request, organization_id)
        data = validated_input(s.PackageCreateInputSerializer, request).validated_data
        package = services.package_create(
            actor=actor,
            project_id=project_id,
            version=data["version"],
            metadata=data.get("metadata"),
        )
        return Response(s.PackageOutputSerializer(package).data, status=201)


class PackageDetailView(APIView):
    @extend_schema(
        tags=PACKAGES,
        operation_id="content_packages_retrieve",
        summary='Get a package by version ("draft": the live components)',
        responses={200: s.PackageOutputSerializer, **content_errors(401, 404)},
    )
    def get(self, request: Request, organization_id, project_id, version: str) -> Response:
        actor = actor_from_request(request, organization_id)
        package = selectors.package_get(actor=actor, project_id=project_id, version=version)
        return Response(s.PackageOutputSerializer(package).data)
