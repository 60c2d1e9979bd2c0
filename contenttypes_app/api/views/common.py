"""What the content API's views share: OpenAPI tags and headers, input validation, the content
type response with its ``ETag``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from drf_spectacular.utils import (
    OpenApiParameter,
    inline_serializer,
)
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from config.schema import CursorPaginationSerializer, PaginationSerializer
from contenttypes_app.api import serializers as s
from contenttypes_app.models import ContentTypeDefinition
from publishing.tenancy import Actor, actor_from_request

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


def content_cursor_page(serializer_class: Any, name: str) -> Any:
    """OpenAPI shape of a ``/v1/`` list that also pages by cursor (``nextCursor``; a cursor page
    has no ``page``, ``total`` or ``pages``)."""
    return inline_serializer(
        name=name,
        fields={
            "data": serializer_class(many=True),
            "pagination": CursorPaginationSerializer(),
        },
    )


def validated_query(serializer_class: Any, request: Request) -> dict[str, Any]:
    """The query parameters that ``serializer_class`` declares, validated; empty means absent.
    A list field gets every value of its (repeatable) parameter."""
    params: dict[str, Any] = {}
    for key, field in serializer_class().fields.items():
        if isinstance(field, serializers.ListField):
            values = [value for value in request.query_params.getlist(key) if value != ""]
            if values:
                params[key] = values
        elif request.query_params.get(key) not in (None, ""):
            params[key] = request.query_params.get(key)
    serializer = serializer_class(data=params)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


def content_type_response(definition: ContentTypeDefinition, status: int = 200) -> Response:
    """A content type as the API answers it: the object, with its ``ETag`` header."""
    return Response(
        s.ContentTypeOutputSerializer(definition).data,
        status=status,
        headers={"ETag": definition.etag},
    )


def if_match(request: Request) -> str | None:
    """The raw ``If-Match`` header, for the service to check under its row lock."""
    return request.headers.get("If-Match")


# ``POST`` runs one status-machine action (``service``) on the object the URL names, with the
# caller's ``If-Match``, and answers the object as ``respond`` does. The publish, unpublish and
# discard actions of content types and of content are this view with another service; each
# subclass states its OpenAPI description with ``extend_schema_view(post=...)``. (A comment, not
# a docstring: drf-spectacular would publish an inherited docstring as the operation's text.)
class TransitionView(APIView):
    service: Callable[..., Any]  # a keyword-only service: actor, project_id, if_match, <id_kwarg>
    id_kwarg: str  # the service's name for the id in the URL

    def respond(self, actor: Actor, project_id: Any, obj: Any) -> Response:
        raise NotImplementedError

    def post(self, request: Request, organization_id, project_id, id) -> Response:
        actor = actor_from_request(request, organization_id)
        obj = type(self).service(
            actor=actor,
            project_id=project_id,
            if_match=if_match(request),
            **{self.id_kwarg: id},
        )
        return self.respond(actor, project_id, obj)
