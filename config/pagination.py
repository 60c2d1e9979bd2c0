"""Page-number pagination with ``page`` and ``limit`` (at most 100), in both envelopes.

Out-of-range pages answer an empty page rather than an error; non-numeric or out-of-bounds
``page``/``limit`` answer 400 ``VALIDATION_FAILED``.
"""

from __future__ import annotations

import math
from typing import Any

from django.db.models import Count, Window
from rest_framework.pagination import BasePagination
from rest_framework.response import Response

from config.errors import ValidationFailedError

MAX_LIMIT = 100
DEFAULT_LIMIT = 20
MAX_PAGE = 1_000_000


def parse_positive_int(raw: str | None, name: str, default: int, maximum: int) -> int:
    if raw is None or raw == "":
        return default
    # isdigit() alone admits "²" (int() then raises) and other scripts' digits: ASCII only.
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 9 or not 1 <= int(raw) <= maximum:
        raise ValidationFailedError.for_fields(
            {name: f"Must be an integer between 1 and {maximum}."}
        )
    return int(raw)


def pagination_schema() -> dict[str, Any]:
    return {
        "type": "object",
        "required": ["page", "limit", "total", "pages"],
        "properties": {
            "page": {"type": "integer", "example": 1},
            "limit": {"type": "integer", "example": DEFAULT_LIMIT},
            "total": {"type": "integer", "example": 42},
            "pages": {"type": "integer", "example": 3},
        },
    }


class EnvelopePagination(BasePagination):
    """``{"success": true, "data": {"items": [...], "pagination": {...}}}`` for ``/api/``."""

    default_limit = DEFAULT_LIMIT

    def paginate_queryset(self, queryset, request, view=None):
        self.page = parse_positive_int(request.query_params.get("page"), "page", 1, MAX_PAGE)
        self.limit = parse_positive_int(
            request.query_params.get("limit"), "limit", self.default_limit, MAX_LIMIT
        )
        offset = (self.page - 1) * self.limit
        # One query for the page and the total: COUNT(*) OVER () is computed before LIMIT.
        rows = list(queryset.annotate(_page_total=Window(Count("*")))[offset : offset + self.limit])
        if rows and isinstance(rows[0], dict):  # a .values() queryset (grouped rows)
            self.total = rows[0]["_page_total"]
            for row in rows:
                del row["_page_total"]
        elif rows:
            self.total = rows[0]._page_total
        else:
            self.total = queryset.count() if offset else 0
        return rows

    def pagination_data(self) -> dict[str, int]:
        pages = math.ceil(self.total / self.limit) if self.total else 0
        return {"page": self.page, "limit": self.limit, "total": self.total, "pages": pages}

    def get_paginated_response(self, data: list) -> Response:
        return Response(
            {"success": True, "data": {"items": data, "pagination": self.pagination_data()}}
        )

    def get_paginated_response_schema(self, schema: dict) -> dict:
        return {
            "type": "object",
            "required": ["success", "data"],
            "properties": {
                "success": {"type": "boolean", "enum": [True]},
                "data": {
                    "type": "object",
                    "required": ["items", "pagination"],
                    "properties": {"items": schema, "pagination": pagination_schema()},
                },
            },
        }

    def get_schema_operation_parameters(self, view) -> list[dict]:
        return [
            {
                "name": "page",
                "in": "query",
                "required": False,
                "description": "Page number, starting at 1.",
                "schema": {"type": "integer", "minimum": 1, "maximum": MAX_PAGE},
            },
            {
                "name": "limit",
                "in": "query",
                "required": False,
                "description": f"Items per page (default {DEFAULT_LIMIT}, at most {MAX_LIMIT}).",
                "schema": {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT},
            },
        ]


class ContentPagination(EnvelopePagination):
    """``{"data": [...], "pagination": {...}}`` for the ``/v1/`` content API."""

    def get_paginated_response(self, data: list) -> Response:
        return Response({"data": data, "pagination": self.pagination_data()})

    def get_paginated_response_schema(self, schema: dict) -> dict:
        return {
            "type": "object",
            "required": ["data", "pagination"],
            "properties": {"data": schema, "pagination": pagination_schema()},
        }


def paginated(request, queryset, serializer_class, pagination_class=EnvelopePagination, **kw):
    """Paginate ``queryset`` for an APIView and answer the envelope of ``pagination_class``."""
    paginator = pagination_class()
    page = paginator.paginate_queryset(queryset, request)
    return paginator.get_paginated_response(serializer_class(page, many=True, **kw).data)
