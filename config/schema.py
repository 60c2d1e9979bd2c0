"""OpenAPI helpers: success/error envelopes and error responses for drf-spectacular."""

from __future__ import annotations

from functools import cache

from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, inline_serializer
from rest_framework import serializers

from config.families import family_for
from config.pagination import DEFAULT_LIMIT, MAX_LIMIT, MAX_PAGE

ERROR_DESCRIPTIONS = {
    400: "VALIDATION_FAILED: the request is malformed; `details.fields` names each bad field.",
    401: "UNAUTHORIZED: missing, invalid, expired or revoked credentials.",
    403: "FORBIDDEN: your role does not allow this.",
    404: "NOT_FOUND: no such object in your organizations.",
    409: "INVALID_STATUS or CONFLICT: the current state forbids this.",
    410: "LISTING_UNAVAILABLE: the listing is no longer available.",
    412: "PRECONDITION_FAILED: `If-Match` does not match the current ETag.",
    422: "VALIDATION_FAILED (semantic) or IDEMPOTENCY_KEY_REUSED.",
    429: "RATE_LIMITED: slow down; see `Retry-After`.",
    503: "SERVICE_UNAVAILABLE: the database is unavailable or a query timed out.",
}


class ErrorSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="Machine-readable error code, e.g. VALIDATION_FAILED.")
    message = serializers.CharField()
    details = serializers.DictField(help_text="Structured details, per code; {} when none.")


class ErrorEnvelopeSerializer(serializers.Serializer):
    success = serializers.BooleanField(default=False)
    error = ErrorSerializer()


class ContentErrorEnvelopeSerializer(serializers.Serializer):
    error = ErrorSerializer()


def errors(*statuses: int) -> dict[int, OpenApiResponse]:
    """Error responses of the ``/api/`` family for ``@extend_schema(responses=...)``."""
    return {
        s: OpenApiResponse(ErrorEnvelopeSerializer, description=ERROR_DESCRIPTIONS.get(s, ""))
        for s in statuses
    }


def content_errors(*statuses: int) -> dict[int, OpenApiResponse]:
    """Error responses of the ``/v1/`` content family."""
    return {
        s: OpenApiResponse(
            ContentErrorEnvelopeSerializer, description=ERROR_DESCRIPTIONS.get(s, "")
        )
        for s in statuses
    }


@cache
def enveloped(serializer_class: type[serializers.BaseSerializer], many: bool = False):
    """A serializer describing ``{"success": true, "data": <serializer_class>}``."""
    base = serializer_class.__name__.removesuffix("Serializer")
    name = f"{base}{'List' if many else ''}Envelope"
    return inline_serializer(
        name=name,
        fields={
            "success": serializers.BooleanField(default=True),
            "data": serializer_class(many=many),
        },
    )


@cache
def paged(serializer_class: type[serializers.BaseSerializer]):
    """``{"success": true, "data": {"items": [...], "pagination": {...}}}``."""
    base = serializer_class.__name__.removesuffix("Serializer")
    return inline_serializer(
        name=f"{base}PageEnvelope",
        fields={
            "success": serializers.BooleanField(default=True),
            "data": inline_serializer(
                name=f"{base}Page",
                fields={"items": serializer_class(many=True), "pagination": PaginationSerializer()},
            ),
        },
    )


class PaginationSerializer(serializers.Serializer):
    page = serializers.IntegerField()
    limit = serializers.IntegerField()
    total = serializers.IntegerField()
    pages = serializers.IntegerField()


class CursorPaginationSerializer(serializers.Serializer):
    """Page-number meta plus ``nextCursor``; a cursor page answers ``limit`` and ``nextCursor``."""

    page = serializers.IntegerField(required=False)
    limit = serializers.IntegerField()
    total = serializers.IntegerField(required=False)
    pages = serializers.IntegerField(required=False)
    nextCursor = serializers.CharField(allow_null=True)


PAGE_PARAMETERS = [
    OpenApiParameter(
        "page", {"type": "integer", "minimum": 1, "maximum": MAX_PAGE}, description="Page number."
    ),
    OpenApiParameter(
        "limit",
        {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT},
        description=f"Items per page (default {DEFAULT_LIMIT}).",
    ),
]
OBJECT_ID_PATTERN = "^[0-9a-f]{24}$"
NOT_BLANK_PATTERN = r"\S"  # at least one character that is not whitespace
# Path parameters of the /api/ family that hold 24-hex ObjectIds (prompts, templates, listings,
# acquisitions, webhook endpoints and deliveries); organizations, members and API keys use UUID
# and integer converters.
OBJECT_ID_PATH_PARAMETERS = {"id", "listing_id", "acquisition_id", "webhook_id", "delivery_id"}


class ProjectAutoSchema(AutoSchema):
    """drf-spectacular's AutoSchema, plus a documented 429 on every rate-limited operation, and
    ``additionalProperties: false`` on request bodies that refuse unknown keys.

    Every view with throttles can answer 429 ``RATE_LIMITED`` (config/throttling.py); listing it
    here keeps the schema exact without each view repeating it. Views that declare 429 keep theirs.
    """

    def _get_request_for_media_type(self, serializer, direction="request"):
        # drf-spectacular documents every PATCH body as partial (no required fields), as DRF's
        # generic views validate it. Only the viewsets' partial_update does; our APIView PATCH
        # handlers validate the whole body, so their required fields stay required.
        if self.method == "PATCH" and getattr(self.view, "action", None) != "partial_update":
            self.method = "PUT"
            try:
                return super()._get_request_for_media_type(serializer, direction)
            finally:
                self.method = "PATCH"
        return super()._get_request_for_media_type(serializer, direction)

    def _map_serializer_field(self, field, direction, bypass_extensions=False):
        schema = super()._map_serializer_field(field, direction, bypass_extensions)
        # DRF trims a CharField before its blank check: "   " is refused as blank, which
        # minLength alone does not say. Fields with a pattern of their own already exclude it.
        if (
            direction == "request"
            and isinstance(field, serializers.CharField)
            and field.trim_whitespace
            and not field.allow_blank
            and schema.get("type") == "string"
            and "pattern" not in schema
        ):
            schema["pattern"] = NOT_BLANK_PATTERN
        return schema

    def _map_basic_serializer(self, serializer, direction):
        from config.serializers import StrictSerializer

        schema = super()._map_basic_serializer(serializer, direction)
        if direction == "request" and isinstance(serializer, StrictSerializer):
            schema["additionalProperties"] = False  # "Unknown field." (400)
        return schema

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        if direction == "response" and "429" not in responses and self.view.get_throttles():
            family = family_for(self.path)
            envelope = (family and family.error_serializer) or ErrorEnvelopeSerializer
            rate_limited = OpenApiResponse(envelope, description=ERROR_DESCRIPTIONS[429])
            responses["429"] = self._get_response_for_code(rate_limited, "429", None, direction)
        return responses


def document_object_id_parameters(result, generator, request, public):
    """drf-spectacular postprocessing hook: the ObjectId path parameters of ``/api/`` carry their
    pattern (a malformed id answers 400 VALIDATION_FAILED)."""
    for path, path_item in result.get("paths", {}).items():
        if not path.startswith("/api/"):
            continue
        for operation in path_item.values():
            for parameter in operation.get("parameters", []) if isinstance(operation, dict) else []:
                if parameter.get("in") == "path" and parameter["name"] in OBJECT_ID_PATH_PARAMETERS:
                    parameter["schema"] = {"type": "string", "pattern": OBJECT_ID_PATTERN}
    return result


def allow_empty_query_values(result, generator, request, public):
    """drf-spectacular postprocessing hook: mark every optional query parameter
    ``allowEmptyValue``.

    The API reads an empty value (``?limit=``, ``?status=``) as an absent parameter, as HTML forms
    and django-filter do; the schema says so, so clients and fuzzers know ``?limit=`` is fine.
    """
    for path_item in result.get("paths", {}).values():
        for operation in path_item.values():
            for parameter in operation.get("parameters", []) if isinstance(operation, dict) else []:
                if parameter.get("in") == "query" and not parameter.get("required"):
                    parameter["allowEmptyValue"] = True
    return result
