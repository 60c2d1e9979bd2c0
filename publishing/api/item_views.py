"""``/api/prompts`` and ``/api/templates``: the same endpoints for both kinds of item."""

from __future__ import annotations

from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from config.pagination import EnvelopePagination, parse_positive_int
from config.query_params import StrictQueryParamsMixin
from config.responses import ok
from config.schema import PAGE_PARAMETERS, enveloped, errors, paged
from publishing import selectors, services
from publishing.api import item_serializers as s
from publishing.filters import PromptFilter, TemplateFilter
from publishing.models import Prompt, Template
from publishing.tenancy import actor_from_request

IF_MATCH = OpenApiParameter(
    "If-Match", str, OpenApiParameter.HEADER, description="ETag from a previous read; 412 if stale."
)


MAX_VERSION_NUMBER = 999_999_999  # parse_positive_int reads at most nine digits
VERSION_NUMBER = OpenApiParameter(
    "number",
    {"type": "integer", "minimum": 1, "maximum": MAX_VERSION_NUMBER},
    OpenApiParameter.PATH,
    description="Version number, from 1.",
)


def _version_number(raw: str) -> int:
    return parse_positive_int(raw, "number", 0, MAX_VERSION_NUMBER)


# Shared implementation; subclasses bind the kind, model, filters and serializers. (A comment:
# drf-spectacular would publish a docstring as the description of every prompt/template operation.)
class ItemViewSet(StrictQueryParamsMixin, viewsets.GenericViewSet):
    kind: str
    model: type
    output_serializer: type
    write_serializer: type
    version_serializer: type
    checkpoint_serializer: type
    restore_serializer: type
    lookup_value_regex = "[^/]+"
    pagination_class = EnvelopePagination
    filter_backends = [DjangoFilterBackend]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return self.model.objects.none()
        actor = actor_from_request(self.request)
        return selectors.item_queryset(actor=actor, kind=self.kind).order_by("-updated_at", "-id")

    def _item_response(self, item, status: int = 200) -> Response:
        return ok(self.output_serializer(item).data, status=status, headers={"ETag": item.etag})

    def list(self, request: Request) -> Response:
        queryset = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(queryset)
        return self.get_paginated_response(self.output_serializer(page, many=True).data)

    def create(self, request: Request) -> Response:
        actor = actor_from_request(request)
        serializer = self.write_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        item = services.item_create(actor=actor, kind=self.kind, data=serializer.validated_data)
        return self._item_response(item, status=201)

    def retrieve(self, request: Request, pk: str) -> Response:
        item = selectors.item_get(actor=actor_from_request(request), kind=self.kind, item_id=pk)
        return self._item_response(item)

    def partial_update(self, request: Request, pk: str) -> Response:
        actor = actor_from_request(request)
        serializer = self.write_serializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        item = services.item_update(
            actor=actor,
            kind=self.kind,
            item_id=pk,
            data=serializer.validated_data,
            if_match=request.headers.get("If-Match"),
        )
        return self._item_response(item)

    def destroy(self, request: Request, pk: str) -> Response:
        services.item_delete(actor=actor_from_request(request), kind=self.kind, item_id=pk)
        return Response(status=204)

    @action(detail=True, methods=["get", "post"], url_path="versions")
    def versions(self, request: Request, pk: str) -> Response:
        actor = actor_from_request(request)
        if request.method == "POST":
            serializer = s.CheckpointInputSerializer(data=request.data)
            serializer.is_valid(raise_exception=True)
            version, created = services.item_checkpoint(
                actor=actor,
                kind=self.kind,
                item_id=pk,
                label=serializer.validated_data.get("label", ""),
            )
            body = {"skipped": not created, "version": self._version_data(version)}
            return ok(body, status=201 if created else 200)
        item = selectors.item_get(actor=actor, kind=self.kind, item_id=pk)
        page = self.paginate_queryset(selectors.item_version_list(item=item))
        data = self.version_serializer(
            page, many=True, context={"content_hidden": item.content_hidden}
        ).data
        return self.get_paginated_response(data)

    @action(detail=True, methods=["get"], url_path=r"versions/(?P<number>[^/]+)")
    def version_detail(self, request: Request, pk: str, number: str) -> Response:
        item = selectors.item_get(actor=actor_from_request(request), kind=self.kind, item_id=pk)
        version = selectors.item_version_get(item=item, number=_version_number(number))
        return ok(self._version_data(version, item.content_hidden))

    @action(detail=True, methods=["post"], url_path=r"versions/(?P<number>[^/]+)/restore")
    def restore(self, request: Request, pk: str, number: str) -> Response:
        item, version = services.item_restore(
            actor=actor_from_request(request),
            kind=self.kind,
            item_id=pk,
            number=_version_number(number),
        )
        body = {
            "item": self.output_serializer(item).data,
            "version": self._version_data(version, item.content_hidden),
        }
        return ok(body, status=201, headers={"ETag": item.etag})

    @action(detail=True, methods=["post"])
    def render(self, request: Request, pk: str) -> Response:
        item = selectors.item_get(actor=actor_from_request(request), kind=self.kind, item_id=pk)
        serializer = s.RenderInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        text, missing = services.render_text(
            item.body,
            serializer.validated_data["variables"],
            strict=serializer.validated_data["strict"],
            hidden=item.content_hidden,
        )
        return ok({"text": text, "missing": missing})

    def _version_data(self, version, content_hidden: bool | None = None) -> dict:
        hidden = version.item.content_hidden if content_hidden is None else content_hidden
        return self.version_serializer(version, context={"content_hidden": hidden}).data


def _schema(kind: str, out, write, version, checkpoint, restore):
    tag = [f"{kind}s"]
    return extend_schema_view(
        list=extend_schema(
            tags=tag,
            summary=f"List the organization's {kind}s",
            # A list action: drf-spectacular wraps ``out`` in the paginator's envelope itself.
            responses={200: out, **errors(400, 401, 403)},
        ),
        create=extend_schema(
            tags=tag,
            summary=f"Create a {kind}",
            request=write,
            responses={201: enveloped(out), **errors(400, 401, 403)},
        ),
        retrieve=extend_schema(
            tags=tag,
            summary=f"Get a {kind} (ETag in the response)",
            responses={200: enveloped(out), **errors(400, 401, 404)},
        ),
        partial_update=extend_schema(
            tags=tag,
            summary=f"Update a {kind} (If-Match for optimistic concurrency)",
            parameters=[IF_MATCH],
            request=write,
            responses={200: enveloped(out), **errors(400, 401, 403, 404, 412)},
        ),
        destroy=extend_schema(
            tags=tag,
            summary=f"Delete a {kind} and its versions (409 while it has an active listing)",
            responses={204: None, **errors(400, 401, 403, 404, 409)},
        ),
        versions=[
            extend_schema(
                methods=["GET"],
                tags=tag,
                summary="List versions, newest first",
                operation_id=f"{kind}s_versions_list",
                parameters=PAGE_PARAMETERS,
                responses={200: paged(version), **errors(400, 401, 404)},
            ),
            extend_schema(
                methods=["POST"],
                tags=tag,
                summary="Checkpoint the current state (200 with skipped=true when unchanged)",
                operation_id=f"{kind}s_versions_create",
                request=s.CheckpointInputSerializer,
                responses={
                    201: enveloped(checkpoint),
                    200: enveloped(checkpoint),
                    **errors(400, 401, 403, 404),
                },
            ),
        ],
        version_detail=extend_schema(
            tags=tag,
            summary="Get one version",
            parameters=[VERSION_NUMBER],
            responses={200: enveloped(version), **errors(400, 401, 404)},
        ),
        restore=extend_schema(
            tags=tag,
            summary="Restore a version (records a new 'restore' version)",
            parameters=[VERSION_NUMBER],
            request=None,
            responses={201: enveloped(restore), **errors(400, 401, 403, 404)},
        ),
        render=extend_schema(
            tags=tag,
            summary="Fill in the variables",
            request=s.RenderInputSerializer,
            responses={200: enveloped(s.RenderOutputSerializer), **errors(400, 401, 404)},
        ),
    )


@_schema(
    "prompt",
    s.PromptOutputSerializer,
    s.PromptWriteSerializer,
    s.VersionOutputSerializer,
    s.CheckpointOutputSerializer,
    s.RestoreOutputSerializer,
)
class PromptViewSet(ItemViewSet):
    kind = "prompt"
    model = Prompt
    filterset_class = PromptFilter
    output_serializer = s.PromptOutputSerializer
    write_serializer = s.PromptWriteSerializer
    version_serializer = s.VersionOutputSerializer


@_schema(
    "template",
    s.TemplateOutputSerializer,
    s.TemplateWriteSerializer,
    s.TemplateVersionOutputSerializer,
    s.TemplateCheckpointOutputSerializer,
    s.TemplateRestoreOutputSerializer,
)
class TemplateViewSet(ItemViewSet):
    kind = "template"
    model = Template
    filterset_class = TemplateFilter
    output_serializer = s.TemplateOutputSerializer
    write_serializer = s.TemplateWriteSerializer
    version_serializer = s.TemplateVersionOutputSerializer


class TemplateCategoryListView(StrictQueryParamsMixin, APIView):
    @extend_schema(
        tags=["templates"],
        operation_id="template_categories_list",
        summary="The template categories a template may be filed under, in order",
        description=(
            "The active categories, as staff order them. Creating a template, or changing its "
            "`category`, to a name not listed here answers 400 VALIDATION_FAILED with "
            "`details.allowed`; a template keeps a category that is hidden later."
        ),
        responses={
            200: enveloped(s.TemplateCategoryOutputSerializer, many=True),
            **errors(401),
        },
    )
    def get(self, request: Request) -> Response:
        actor_from_request(request)  # any signed-in member of an organization
        return ok(
            s.TemplateCategoryOutputSerializer(selectors.template_category_list(), many=True).data
        )
