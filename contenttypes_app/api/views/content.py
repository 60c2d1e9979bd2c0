"""Views of content items: CRUD, the status actions, migrate, versions. Thin: the actor, the
input, one service or selector call, the output (with its ``ETag``)."""

from __future__ import annotations

import uuid

from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from config.errors import ValidationFailedError
from config.pagination import ContentCursorPagination, ContentPagination, paginated
from config.query_params import StrictQueryParamsMixin
from config.schema import PAGE_PARAMETERS, content_errors
from config.serializers import validated_input
from contenttypes_app import content_selectors as selectors
from contenttypes_app import services
from contenttypes_app.api import serializers as s
from contenttypes_app.api.views.common import (
    TransitionView,
    content_cursor_page,
    content_page,
    if_match,
    validated_query,
)
from contenttypes_app.models import Content, ContentTypeDefinition
from publishing.tenancy import Actor, actor_from_request

CONTENT = ["content: content"]
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
    description="Current version of the content item's representation, for `If-Match`.",
)
HEADERS = [IF_MATCH, ETAG]


def content_response(actor: Actor, project_id, item: Content, status: int = 200) -> Response:
    """The item as the API answers it (read back with its type version's number), and its ETag."""
    fresh = selectors.content_get(actor=actor, project_id=project_id, content_id=item.pk)
    return Response(
        s.ContentOutputSerializer(fresh).data, status=status, headers={"ETag": fresh.etag}
    )


def locked_content_response(item: Content, status: int = 200) -> Response:
    """The item exactly as the service locked (or created) and wrote it: the lock joined its type
    version's number and its schedule (``content_publish_many``; ``content_create`` sets them),
    so reading it back would answer the same object at the cost of one more query."""
    return Response(
        s.ContentOutputSerializer(item).data, status=status, headers={"ETag": item.etag}
    )


def _action(summary: str, description: str, operation_id: str, request=None, codes=()):
    return extend_schema(
        tags=CONTENT,
        operation_id=operation_id,
        summary=summary,
        description=description,
        request=request,
        parameters=HEADERS,
        responses={200: s.ContentOutputSerializer, **content_errors(401, 403, 404, *codes)},
    )


class ContentListView(StrictQueryParamsMixin, APIView):
    @extend_schema(
        tags=CONTENT,
        operation_id="content_list",
        summary="List content items (without their content)",
        description=(
            "Page numbers (`page`, `limit`; the meta carries `total` and `pages`) or keyset pages: "
            "pass the previous page's `pagination.nextCursor` as `cursor` (with the same filters "
            "and `sort`) for the next one, which then answers `{limit, nextCursor}` only; "
            "`nextCursor` is null on the last page. A cursor page costs the same at any depth and "
            "never repeats an item when others are inserted meanwhile. `page` with `cursor`, or a "
            "cursor that is not one of ours for this sort, answers 400 VALIDATION_FAILED."
        ),
        parameters=[
            *PAGE_PARAMETERS,
            OpenApiParameter(
                "cursor",
                str,
                description="Opaque: the `pagination.nextCursor` of the previous page.",
            ),
            OpenApiParameter("typeId", {"type": "string", "format": "uuid"}),
            OpenApiParameter(
                "status",
                str,
                enum=[c.value for c in ContentTypeDefinition.Status],
                description="Deleted items are listed only with status=deleted.",
            ),
            OpenApiParameter(
                "tags", str, description="Comma-separated; an item must carry every tag given."
            ),
            OpenApiParameter("search", str, description="Substring of the name or description."),
            OpenApiParameter("isTemplate", bool),
            OpenApiParameter(
                "sort",
                str,
                enum=list(selectors.CONTENT_SORTS),
                description="Default -updatedAt.",
            ),
        ],
        responses={
            200: content_cursor_page(s.ContentOutputSerializer, "ContentPage"),
            **content_errors(400, 401, 404),
        },
    )
    def get(self, request: Request, organization_id: uuid.UUID, project_id: uuid.UUID):
        actor = actor_from_request(request, organization_id)
        filters = s.content_list_filters(validated_query(s.ContentListQuerySerializer, request))
        queryset = selectors.content_list(actor=actor, project_id=project_id, **filters)
        return paginated(
            request,
            queryset,
            s.ContentOutputSerializer,
            ContentCursorPagination,
            omit_content=True,
        )

    @extend_schema(
        tags=CONTENT,
        operation_id="content_create",
        summary="Create a content item (draft, version null; editor or higher)",
        description=(
            "The item is locked to the type's last published version, and `content` is validated "
            "against its JSON Schema (422 VALIDATION_FAILED, `details.errors` of `{path, "
            "message}`). An unknown or other-project `typeId` answers 404 CONTENT_TYPE_NOT_FOUND "
            "with `details.typeId`; a type never published (or deleted) 409 INVALID_STATUS."
        ),
        request=s.ContentCreateInputSerializer,
        parameters=[ETAG],
        responses={201: s.ContentOutputSerializer, **content_errors(400, 401, 403, 404, 409, 422)},
    )
    def post(self, request: Request, organization_id: uuid.UUID, project_id: uuid.UUID):
        actor = actor_from_request(request, organization_id)
        data = validated_input(s.ContentCreateInputSerializer, request).validated_data
        item = services.content_create(
            actor=actor,
            project_id=project_id,
            type_id=data["typeId"],
            name=data["name"],
            content=data["content"],
            description=data.get("description", ""),
            is_template=data.get("isTemplate", False),
            tags=data.get("tags"),
            metadata=data.get("metadata"),
        )
        return locked_content_response(item, status=201)


class ContentDetailView(APIView):
    @extend_schema(
        tags=CONTENT,
        operation_id="content_retrieve",
        summary="Get a content item, with its content and ETag",
        parameters=[ETAG],
        responses={200: s.ContentOutputSerializer, **content_errors(401, 404)},
    )
    def get(self, request: Request, organization_id, project_id, id: uuid.UUID) -> Response:
        actor = actor_from_request(request, organization_id)
        item = selectors.content_get(actor=actor, project_id=project_id, content_id=id)
        return Response(s.ContentOutputSerializer(item).data, headers={"ETag": item.etag})

    @extend_schema(
        tags=CONTENT,
        operation_id="content_update",
        summary="Update a content item (partial); a published item becomes modified",
        description=(
            "Changes name, description, content (re-validated: 422), tags, metadata (author, "
            "locale) and isTemplate. A deleted item answers 409 INVALID_STATUS. Send `If-Match` "
            "with the ETag you read to refuse overwriting someone else's change (412)."
        ),
        request=s.ContentUpdateInputSerializer,
        parameters=HEADERS,
        responses={
            200: s.ContentOutputSerializer,
            **content_errors(400, 401, 403, 404, 409, 412, 422),
        },
    )
    def put(self, request: Request, organization_id, project_id, id: uuid.UUID) -> Response:
        actor = actor_from_request(request, organization_id)
        data = validated_input(s.ContentUpdateInputSerializer, request).validated_data
        item = services.content_update(
            actor=actor,
            content_id=id,
            project_id=project_id,
            changes=s.content_changes(data),
            if_match=if_match(request),
        )
        return content_response(actor, project_id, item)

    @extend_schema(
        tags=CONTENT,
        operation_id="content_delete",
        summary="Soft-delete a content item (status deleted; restorable)",
        parameters=[IF_MATCH],
        responses={200: s.DeletedOutputSerializer, **content_errors(401, 403, 404, 412)},
    )
    def delete(self, request: Request, organization_id, project_id, id: uuid.UUID) -> Response:
        actor = actor_from_request(request, organization_id)
        item = services.content_delete(
            actor=actor, content_id=id, project_id=project_id, if_match=if_match(request)
        )
        return Response({"message": "Content deleted.", "id": str(item.pk)})


class ContentTransitionView(TransitionView):
    id_kwarg = "content_id"

    def respond(self, actor: Actor, project_id, obj) -> Response:
        return content_response(actor, project_id, obj)


@extend_schema_view(
    post=_action(
        "Publish a content item (a new immutable version)",
        "draft → published v1; modified or unpublished → v+1; published (unchanged) → 200 with "
        "no new version; deleted → 409 INVALID_STATUS, as is a content type that is deleted or "
        "unpublished. `content` is validated against the locked type version (422). Who may "
        "publish: the type's `permissions.publish` where it names anyone, else editors and up.",
        "content_publish",
        codes=(409, 412, 422),
    )
)
class ContentPublishView(ContentTransitionView):
    service = staticmethod(services.content_publish)

    def respond(self, actor: Actor, project_id, obj) -> Response:
        return locked_content_response(obj)


@extend_schema_view(
    post=_action(
        "Unpublish: published → unpublished (same version)",
        'Any other status answers 409 INVALID_STATUS "Cannot unpublish: content is not '
        'currently published".',
        "content_unpublish",
        codes=(409, 412),
    )
)
class ContentUnpublishView(ContentTransitionView):
    service = staticmethod(services.content_unpublish)


@extend_schema_view(
    post=_action(
        "Discard edits: modified → the last published version",
        "Back to `published` (or `unpublished` when it had been unpublished). Never published: "
        "409 NO_PUBLISHED_VERSION; other statuses 409 INVALID_STATUS.",
        "content_discard",
        codes=(409, 412),
    )
)
class ContentDiscardView(ContentTransitionView):
    service = staticmethod(services.content_discard)


class ContentStatusView(APIView):
    @_action(
        "Soft-delete or restore a content item",
        "`deleted` soft-deletes; `draft` (never published) or `modified` (has versions) restores "
        "a deleted item. Other values: 400 VALIDATION_FAILED with `details {provided, allowed}`.",
        "content_status",
        request=s.StatusInputSerializer,
        codes=(400, 409, 412),
    )
    def post(self, request: Request, organization_id, project_id, id: uuid.UUID) -> Response:
        actor = actor_from_request(request, organization_id)
        data = validated_input(s.StatusInputSerializer, request).validated_data
        item = services.content_change_status(
            actor=actor,
            content_id=id,
            status=data["status"],
            project_id=project_id,
            if_match=if_match(request),
        )
        return content_response(actor, project_id, item)


class ContentRollbackView(APIView):
    @_action(
        "Roll back: a working copy (modified) of an earlier version",
        "Unlike a content-type rollback nothing is published: the item becomes `modified` with "
        "that version's content and type version, and `metadata.rolledBackFrom`. Unknown "
        "version: 404 VERSION_NOT_FOUND with `details {requestedVersion, latestVersion}`.",
        "content_rollback",
        request=s.RollbackInputSerializer,
        codes=(400, 409, 412),
    )
    def post(self, request: Request, organization_id, project_id, id: uuid.UUID) -> Response:
        actor = actor_from_request(request, organization_id)
        data = validated_input(s.RollbackInputSerializer, request).validated_data
        item = services.content_rollback(
            actor=actor,
            content_id=id,
            version=data["version"],
            project_id=project_id,
            if_match=if_match(request),
        )
        return content_response(actor, project_id, item)


class ContentMigrateView(APIView):
    @_action(
        "Migrate to a newer version of the content type",
        "Re-validates `content` against that version's schema; success → `modified` with the new "
        "`typeVersion` (a draft stays draft). Unknown target: 404 TYPE_VERSION_NOT_FOUND; a lower "
        "one: 422 INVALID_MIGRATION with `details {currentVersion, targetVersion}`; content that "
        "does not fit: 422 VALIDATION_FAILED with `details.errors`, nothing changed.",
        "content_migrate",
        request=s.ContentMigrateInputSerializer,
        codes=(400, 409, 412, 422),
    )
    def post(self, request: Request, organization_id, project_id, id: uuid.UUID) -> Response:
        actor = actor_from_request(request, organization_id)
        data = validated_input(s.ContentMigrateInputSerializer, request).validated_data
        item = services.content_migrate(
            actor=actor,
            content_id=id,
            target_type_version=data["targetTypeVersion"],
            project_id=project_id,
            if_match=if_match(request),
        )
        return content_response(actor, project_id, item)


class ContentVersionListView(StrictQueryParamsMixin, APIView):
    @extend_schema(
        tags=CONTENT,
        operation_id="content_versions_list",
        summary="List published versions of a content item, newest first",
        parameters=PAGE_PARAMETERS,
        responses={
            200: content_page(s.ContentVersionOutputSerializer, "ContentVersionPage"),
            **content_errors(400, 401, 404),
        },
    )
    def get(self, request: Request, organization_id, project_id, id: uuid.UUID) -> Response:
        actor = actor_from_request(request, organization_id)
        queryset = selectors.content_version_list(actor=actor, project_id=project_id, content_id=id)
        return paginated(request, queryset, s.ContentVersionOutputSerializer, ContentPagination)


class ContentVersionDetailView(APIView):
    @extend_schema(
        tags=CONTENT,
        operation_id="content_versions_retrieve",
        summary="Get one published version of a content item",
        description="Unknown: 404 VERSION_NOT_FOUND with `details {requestedVersion, "
        "latestVersion}`.",
        parameters=[
            OpenApiParameter(
                "version",
                {"type": "integer", "minimum": 1, "maximum": 999_999_999},
                OpenApiParameter.PATH,
            )
        ],
        responses={200: s.ContentVersionOutputSerializer, **content_errors(400, 401, 404)},
    )
    def get(
        self, request: Request, organization_id, project_id, id: uuid.UUID, version: int | None
    ) -> Response:
        actor = actor_from_request(request, organization_id)
        if version is None:  # the converter found no version number in the path
            raise ValidationFailedError.for_fields({"version": "Must be a positive integer."})
        found = selectors.content_version_get(
            actor=actor, project_id=project_id, content_id=id, version=version
        )
        return Response(s.ContentVersionOutputSerializer(found).data)
