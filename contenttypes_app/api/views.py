"""Thin views of the ``/v1/`` content API: resolve the actor, validate input, call a service or a
selector, shape the output. Single objects are returned bare, lists as ``{data, pagination}``,
errors as ``{"error": {...}}`` (``config.exceptions``)."""

from __future__ import annotations

import re
import uuid
from typing import Any

from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    inline_serializer,
)
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from config.errors import ValidationFailedError
from config.pagination import ContentPagination, paginated
from config.query_params import StrictQueryParamsMixin
from config.schema import PAGE_PARAMETERS, PaginationSerializer, content_errors
from contenttypes_app import selectors, services
from contenttypes_app.api import serializers as s
from contenttypes_app.models import ContentTypeDefinition
from publishing.tenancy import actor_from_request

PROJECTS = ["content: projects"]
COMPONENTS = ["content: components"]
PACKAGES = ["content: packages"]
CONTENT_TYPES = ["content: content types"]

IF_MATCH = OpenApiParameter(
    "If-Match",
    str,
    OpenApiParameter.HEADER,
    required=False,
    description="The `ETag` you last read; a stale value answers 412 PRECONDITION_FAILED.",
)
ETAG = OpenApiParameter(
    "ETag",
    str,
    OpenApiParameter.HEADER,
    response=[200, 201],
    description="Current version of the content type's representation, for `If-Match`.",
)
CONTENT_TYPE_PARAMETERS = [IF_MATCH, ETAG]


def content_page(serializer_class: Any, name: str) -> Any:
    """OpenAPI shape of a ``/v1/`` list: ``{"data": [...], "pagination": {...}}``."""
    return inline_serializer(
        name=name,
        fields={"data": serializer_class(many=True), "pagination": PaginationSerializer()},
    )


def _validated(serializer_class: Any, request: Request) -> dict[str, Any]:
    serializer = serializer_class(data=request.data)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


def _query(serializer_class: Any, request: Request) -> dict[str, Any]:
    params = {key: request.query_params.get(key) for key in serializer_class().fields}
    serializer = serializer_class(data={k: v for k, v in params.items() if v not in (None, "")})
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


def _content_type(definition: ContentTypeDefinition, status: int = 200) -> Response:
    return Response(
        s.ContentTypeOutputSerializer(definition).data,
        status=status,
        headers={"ETag": definition.etag},
    )


def _if_match(request: Request) -> str | None:
    return request.headers.get("If-Match")


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
        data = _validated(s.ProjectCreateInputSerializer, request)
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
        data = _validated(s.ProjectUpdateInputSerializer, request)
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
        filters = _query(s.ComponentListQuerySerializer, request)
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
        data = _validated(s.ComponentCreateInputSerializer, request)
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
        data = _validated(s.ComponentUpdateInputSerializer, request)
        component = services.component_update(
            actor=actor, project_id=project_id, component_id=component_id, changes=data
        )
        return Response(s.ComponentOutputSerializer(component).data)

    @extend_schema(
        tags=COMPONENTS,
        operation_id="content_components_delete",
        summary="Delete a component; 409 COMPONENT_IN_USE while a package or content type uses it",
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
        data = _validated(s.PackageCreateInputSerializer, request)
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


# --- content types -----------------------------------------------------------------------------
class ContentTypeListView(StrictQueryParamsMixin, APIView):
    @extend_schema(
        tags=CONTENT_TYPES,
        operation_id="content_types_list",
        summary="List content types (without their schema)",
        parameters=[
            *PAGE_PARAMETERS,
            OpenApiParameter(
                "status",
                str,
                enum=[c.value for c in ContentTypeDefinition.Status],
                description="Deleted types are listed only with status=deleted.",
            ),
            OpenApiParameter("search", str, description="Substring of the name or description."),
            OpenApiParameter(
                "tags", str, description="Comma-separated; a type must carry every tag given."
            ),
            OpenApiParameter(
                "sort",
                str,
                enum=list(selectors.CONTENT_TYPE_SORTS),
                description="Default -createdAt.",
            ),
        ],
        responses={
            200: content_page(s.ContentTypeOutputSerializer, "ContentTypePage"),
            **content_errors(400, 401, 404),
        },
    )
    def get(self, request: Request, organization_id: uuid.UUID, project_id: uuid.UUID):
        actor = actor_from_request(request, organization_id)
        filters = _query(s.ContentTypeListQuerySerializer, request)
        tags = [
            tag.strip()
            for raw in request.query_params.getlist("tags")
            for tag in raw.split(",")
            if tag.strip()
        ]
        if any(len(tag) > 50 or "\x00" in tag for tag in tags) or len(tags) > 50:
            raise ValidationFailedError.for_fields(
                {"tags": "At most 50 tags of 50 characters, without null characters."}
            )
        queryset = selectors.content_type_list(
            actor=actor, project_id=project_id, tags=tags or None, **filters
        )
        return paginated(
            request, queryset, s.ContentTypeOutputSerializer, ContentPagination, omit_schema=True
        )

    @extend_schema(
        tags=CONTENT_TYPES,
        operation_id="content_types_create",
        summary="Create a content type (draft, version null; editor or higher)",
        description=(
            "The layout and every allow-listed component (at most 1,000, plain or grouped) must "
            "be components of this project, in any status: otherwise 404 NOT_FOUND with "
            "`details.componentIds`. They are checked against the package when published."
        ),
        request=s.ContentTypeCreateInputSerializer,
        parameters=[ETAG],
        responses={
            201: s.ContentTypeOutputSerializer,
            **content_errors(400, 401, 403, 404, 409),
        },
    )
    def post(self, request: Request, organization_id: uuid.UUID, project_id: uuid.UUID):
        actor = actor_from_request(request, organization_id)
        data = _validated(s.ContentTypeCreateInputSerializer, request)
        metadata = data.get("metadata") or {}
        definition = services.content_type_create(
            actor=actor,
            project_id=project_id,
            name=data["name"],
            description=data.get("description", ""),
            layout_component_id=data["layoutComponentId"],
            component_ids_allow_list=data["componentIdsAllowList"],
            package_version=data["packageVersion"],
            template_content_ids=data.get("templateContentIds"),
            permissions=data.get("permissions"),
            author=metadata.get("author"),
            tags=metadata.get("tags"),
        )
        return _content_type(definition, status=201)


class ContentTypeDetailView(APIView):
    @extend_schema(
        tags=CONTENT_TYPES,
        operation_id="content_types_retrieve",
        summary="Get a content type, with its schema and ETag",
        parameters=[ETAG],
        responses={200: s.ContentTypeOutputSerializer, **content_errors(401, 404)},
    )
    def get(self, request: Request, organization_id, project_id, id: uuid.UUID) -> Response:
        actor = actor_from_request(request, organization_id)
        definition = selectors.content_type_get(
            actor=actor, project_id=project_id, content_type_id=id
        )
        return _content_type(definition)

    @extend_schema(
        tags=CONTENT_TYPES,
        operation_id="content_types_update",
        summary="Update a content type (partial); a published type becomes modified",
        description=(
            "Changes name, description, layoutComponentId, componentIdsAllowList, "
            "templateContentIds, permissions (publish permissions: admin or owner) and metadata "
            "(author, tags). The package version has its own endpoint. Components as for create "
            "(404 outside the project). Send `If-Match` with the ETag you read to refuse "
            "overwriting someone else's change (412)."
        ),
        request=s.ContentTypeUpdateInputSerializer,
        parameters=CONTENT_TYPE_PARAMETERS,
        responses={
            200: s.ContentTypeOutputSerializer,
            **content_errors(400, 401, 403, 404, 409, 412),
        },
    )
    def put(self, request: Request, organization_id, project_id, id: uuid.UUID) -> Response:
        actor = actor_from_request(request, organization_id)
        data = _validated(s.ContentTypeUpdateInputSerializer, request)
        definition = services.content_type_update(
            actor=actor,
            content_type_id=id,
            project_id=project_id,
            changes=s.content_type_changes(data),
            if_match=_if_match(request),
        )
        return _content_type(definition)

    @extend_schema(
        tags=CONTENT_TYPES,
        operation_id="content_types_delete",
        summary="Soft-delete a content type (status deleted; restorable)",
        parameters=[IF_MATCH],
        responses={200: s.DeletedOutputSerializer, **content_errors(401, 403, 404, 412)},
    )
    def delete(self, request: Request, organization_id, project_id, id: uuid.UUID) -> Response:
        actor = actor_from_request(request, organization_id)
        definition = services.content_type_delete(
            actor=actor, content_type_id=id, project_id=project_id, if_match=_if_match(request)
        )
        return Response({"message": "Content type deleted.", "id": str(definition.pk)})


class ContentTypePublishView(APIView):
    @extend_schema(
        tags=CONTENT_TYPES,
        operation_id="content_types_publish",
        summary="Publish Content Type",
        description=(
            "Publishing a content type creates a new immutable version, which becomes the active "
            "definition. draft → published (version 1); modified or unpublished → published "
            "(version + 1); published (unchanged) → 200 with no new version; deleted → 409 "
            "INVALID_STATUS. The package version must exist and not be `draft` (422), and hold "
            "the layout and every allow-listed component (422 VALIDATION_FAILED with "
            "`details.invalidComponentIds`). Admins and owners may publish, and whoever the "
            "type's `permissions.publish` names."
        ),
        request=None,
        parameters=CONTENT_TYPE_PARAMETERS,
        responses={
            200: OpenApiResponse(
                s.ContentTypeOutputSerializer,
                description="The published content type with its new version number.",
            ),
            **content_errors(401, 403, 404, 409, 412, 422),
        },
    )
    def post(self, request: Request, organization_id, project_id, id: uuid.UUID) -> Response:
        actor = actor_from_request(request, organization_id)
        definition = services.content_type_publish(
            content_type_id=id, actor=actor, project_id=project_id, if_match=_if_match(request)
        )
        return _content_type(definition)


class ContentTypeUnpublishView(APIView):
    @extend_schema(
        tags=CONTENT_TYPES,
        operation_id="content_types_unpublish",
        summary="Unpublish: published → unpublished (same version)",
        request=None,
        parameters=CONTENT_TYPE_PARAMETERS,
        responses={
            200: s.ContentTypeOutputSerializer,
            **content_errors(401, 403, 404, 409, 412),
        },
    )
    def post(self, request: Request, organization_id, project_id, id: uuid.UUID) -> Response:
        actor = actor_from_request(request, organization_id)
        definition = services.content_type_unpublish(
            content_type_id=id, actor=actor, project_id=project_id, if_match=_if_match(request)
        )
        return _content_type(definition)


class ContentTypeDiscardView(APIView):
    @extend_schema(
        tags=CONTENT_TYPES,
        operation_id="content_types_discard",
        summary="Discard edits: modified → the last published definition",
        description=(
            "Returns to `published`, or to `unpublished` when the type had been unpublished. "
            "A draft that was never published answers 409 NO_PUBLISHED_VERSION; other statuses "
            "409 INVALID_STATUS."
        ),
        request=None,
        parameters=CONTENT_TYPE_PARAMETERS,
        responses={
            200: s.ContentTypeOutputSerializer,
            **content_errors(401, 403, 404, 409, 412),
        },
    )
    def post(self, request: Request, organization_id, project_id, id: uuid.UUID) -> Response:
        actor = actor_from_request(request, organization_id)
        definition = services.content_type_discard(
            content_type_id=id, actor=actor, project_id=project_id, if_match=_if_match(request)
        )
        return _content_type(definition)


STATUS_DESCRIPTION = (
    "`deleted` soft-deletes the type; `draft` (never published) or `modified` (has versions) "
    "restores a deleted one. `published`/`unpublished` are refused (use the publish and unpublish "
    "actions); any value outside `deleted`, `draft`, `modified` answers 400 VALIDATION_FAILED "
    "with `details {provided, allowed}`."
)


class ContentTypeStatusView(APIView):
    def _change(self, request: Request, organization_id, project_id, id) -> Response:
        actor = actor_from_request(request, organization_id)
        body = request.data
        if not isinstance(body, dict):
            raise ValidationFailedError.for_fields(
                {"nonFieldErrors": "The request body must be a JSON object."}
            )
        unknown = sorted(set(body) - {"status"})
        if unknown:
            raise ValidationFailedError.for_fields(dict.fromkeys(unknown, "Unknown field."))
        definition = services.content_type_change_status(
            content_type_id=id,
            actor=actor,
            status=body.get("status"),
            project_id=project_id,
            if_match=_if_match(request),
        )
        return _content_type(definition)

    @extend_schema(
        tags=CONTENT_TYPES,
        operation_id="content_types_status_create",
        summary="Soft-delete or restore a content type",
        description=STATUS_DESCRIPTION,
        request=s.StatusInputSerializer,
        parameters=CONTENT_TYPE_PARAMETERS,
        responses={
            200: s.ContentTypeOutputSerializer,
            **content_errors(400, 401, 403, 404, 409, 412),
        },
    )
    def post(self, request: Request, organization_id, project_id, id: uuid.UUID) -> Response:
        return self._change(request, organization_id, project_id, id)

    @extend_schema(
        tags=CONTENT_TYPES,
        operation_id="content_types_status_partial_update",
        summary="Soft-delete or restore a content type (same as POST)",
        description=STATUS_DESCRIPTION,
        request=s.StatusInputSerializer,
        parameters=CONTENT_TYPE_PARAMETERS,
        responses={
            200: s.ContentTypeOutputSerializer,
            **content_errors(400, 401, 403, 404, 409, 412),
        },
    )
    def patch(self, request: Request, organization_id, project_id, id: uuid.UUID) -> Response:
        return self._change(request, organization_id, project_id, id)


class ContentTypePackageVersionView(APIView):
    @extend_schema(
        tags=CONTENT_TYPES,
        operation_id="content_types_package_version_update",
        summary="Point the content type at another package version",
        description=(
            "Checks that the package exists (422 PACKAGE_NOT_FOUND) and holds the layout and every "
            "allow-listed component (422 VALIDATION_FAILED, `details.invalidComponentIds`). "
            '`"draft"` (the live components) is accepted while developing. A published type '
            "becomes modified; a draft stays draft."
        ),
        request=s.PackageVersionInputSerializer,
        parameters=CONTENT_TYPE_PARAMETERS,
        responses={
            200: s.ContentTypeOutputSerializer,
            **content_errors(400, 401, 403, 404, 409, 412, 422),
        },
    )
    def put(self, request: Request, organization_id, project_id, id: uuid.UUID) -> Response:
        actor = actor_from_request(request, organization_id)
        data = _validated(s.PackageVersionInputSerializer, request)
        definition = services.content_type_set_package_version(
            content_type_id=id,
            actor=actor,
            package_version=data["packageVersion"],
            project_id=project_id,
            if_match=_if_match(request),
        )
        return _content_type(definition)


class ContentTypeRollbackView(APIView):
    @extend_schema(
        tags=CONTENT_TYPES,
        operation_id="content_types_rollback",
        summary="Roll back: publish a new version carrying an earlier version's definition",
        request=s.RollbackInputSerializer,
        parameters=CONTENT_TYPE_PARAMETERS,
        responses={
            200: s.ContentTypeOutputSerializer,
            **content_errors(400, 401, 403, 404, 409, 412),
        },
    )
    def post(self, request: Request, organization_id, project_id, id: uuid.UUID) -> Response:
        actor = actor_from_request(request, organization_id)
        data = _validated(s.RollbackInputSerializer, request)
        definition = services.content_type_rollback(
            content_type_id=id,
            actor=actor,
            version=data["version"],
            project_id=project_id,
            if_match=_if_match(request),
        )
        return _content_type(definition)


class ContentTypeVersionListView(StrictQueryParamsMixin, APIView):
    @extend_schema(
        tags=CONTENT_TYPES,
        operation_id="content_types_versions_list",
        summary="List published versions, newest first (without their schema)",
        parameters=PAGE_PARAMETERS,
        responses={
            200: content_page(s.ContentTypeVersionOutputSerializer, "ContentTypeVersionPage"),
            **content_errors(400, 401, 404),
        },
    )
    def get(self, request: Request, organization_id, project_id, id: uuid.UUID) -> Response:
        actor = actor_from_request(request, organization_id)
        queryset = selectors.content_type_version_list(
            actor=actor, project_id=project_id, content_type_id=id
        )
        return paginated(
            request,
            queryset,
            s.ContentTypeVersionOutputSerializer,
            ContentPagination,
            omit_schema=True,
        )


class ContentTypeVersionDetailView(APIView):
    @extend_schema(
        tags=CONTENT_TYPES,
        operation_id="content_types_versions_retrieve",
        summary="Get one published version in full",
        parameters=[
            OpenApiParameter(
                "version",
                {"type": "integer", "minimum": 1, "maximum": 999_999_999},
                OpenApiParameter.PATH,
            )
        ],
        responses={
            200: s.ContentTypeVersionOutputSerializer,
            **content_errors(400, 401, 404),
        },
    )
    def get(
        self, request: Request, organization_id, project_id, id: uuid.UUID, version: str
    ) -> Response:
        actor = actor_from_request(request, organization_id)
        if not re.fullmatch(r"[0-9]{1,9}", version) or int(version) < 1:
            raise ValidationFailedError.for_fields({"version": "Must be a positive integer."})
        found = selectors.content_type_version_get(
            actor=actor, project_id=project_id, content_type_id=id, version=int(version)
        )
        return Response(s.ContentTypeVersionOutputSerializer(found).data)
