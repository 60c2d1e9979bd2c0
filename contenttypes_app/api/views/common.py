"""What the content API's views share: OpenAPI tags and headers, input validation, the content
type response with its ``ETag``."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import (
    OpenApiParameter,
    inline_serializer,
)
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from config.schema import PaginationSerializer
from contenttypes_app.api import serializers as s
from contenttypes_app.models import ContentTypeDefinition

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
