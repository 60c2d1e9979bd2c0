"""Views of content types: CRUD, the status actions, versions."""

from __future__ import annotations

import uuid

from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
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
    CONTENT_TYPE_PARAMETERS,
    CONTENT_TYPES,
    ETAG,
    IF_MATCH,
    TransitionView,
    content_page,
    content_type_response,
    if_match,
    validated_query,
)
from contenttypes_app.models import ContentTypeDefinition
from publishing.tenancy import Actor, actor_from_request


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
        filters = validated_query(s.ContentTypeListQuerySerializer, request)
        queryset = selectors.content_type_list(actor=actor, project_id=project_id, **filters)
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
        data = validated_input(s.ContentTypeCreateInputSerializer, request).validated_data
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
        return content_type_response(definition, status=201)


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
        return content_type_response(definition)

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
        data = validated_input(s.ContentTypeUpdateInputSerializer, request).validated_data
        definition = services.content_type_update(
            actor=actor,
            content_type_id=id,
            project_id=project_id,
            changes=s.content_type_changes(data),
            if_match=if_match(request),
        )
        return content_type_response(definition)

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
            actor=actor, content_type_id=id, project_id=project_id, if_match=if_match(request)
        )
        return Response({"message": "Content type deleted.", "id": str(definition.pk)})


class ContentTypeTransitionView(TransitionView):
    id_kwarg = "content_type_id"

    def respond(self, actor: Actor, project_id, obj) -> Response:
        return content_type_response(obj)


@extend_schema_view(
    post=extend_schema(
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
)
class ContentTypePublishView(ContentTypeTransitionView):
    service = staticmethod(services.content_type_publish)


@extend_schema_view(
    post=extend_schema(
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
)
class ContentTypeUnpublishView(ContentTypeTransitionView):
    service = staticmethod(services.content_type_unpublish)


@extend_schema_view(
    post=extend_schema(
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
)
class ContentTypeDiscardView(ContentTypeTransitionView):
    service = staticmethod(services.content_type_discard)


STATUS_DESCRIPTION = (
    "`deleted` soft-deletes the type; `draft` (never published) or `modified` (has versions) "
    "restores a deleted one. `published`/`unpublished` are refused (use the publish and unpublish "
    "actions); any value outside `deleted`, `draft`, `modified` answers 400 VALIDATION_FAILED "
    "with `details {provided, allowed}`."
)


class ContentTypeStatusView(APIView):
    def _change(self, request: Request, organization_id, project_id, id) -> Response:
        actor = actor_from_request(request, organization_id)
        data = validated_input(s.StatusInputSerializer, request).validated_data
        definition = services.content_type_change_status(
            content_type_id=id,
            actor=actor,
            status=data["status"],
            project_id=project_id,
            if_match=if_match(request),
        )
        return content_type_response(definition)

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
            "becomes modified; a draft stays draft. `migrateContent: true` makes the next "
            "publish migrate every content item of the type to the version it writes (a job: "
            "see `GET …/content-migrations`)."
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
        data = validated_input(s.PackageVersionInputSerializer, request).validated_data
        definition = services.content_type_set_package_version(
            content_type_id=id,
            actor=actor,
            package_version=data["packageVersion"],
            migrate_content=data.get("migrateContent"),
            project_id=project_id,
            if_match=if_match(request),
        )
        return content_type_response(definition)


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
        data = validated_input(s.RollbackInputSerializer, request).validated_data
        definition = services.content_type_rollback(
            content_type_id=id,
            actor=actor,
            version=data["version"],
            project_id=project_id,
            if_match=if_match(request),
        )
        return content_type_response(definition)


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
        self, request: Request, organization_id, project_id, id: uuid.UUID, version: int | None
    ) -> Response:
        actor = actor_from_request(request, organization_id)
        if version is None:  # the converter found no version number in the path
            raise ValidationFailedError.for_fields({"version": "Must be a positive integer."})
        found = selectors.content_type_version_get(
            actor=actor, project_id=project_id, content_type_id=id, version=version
        )
        return Response(s.ContentTypeVersionOutputSerializer(found).data)
