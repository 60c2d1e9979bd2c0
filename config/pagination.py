"""Page-number pagination with ``page`` and ``limit`` (at most 100), in both envelopes.

Out-of-range pages answer an empty page rather than an error; non-numeric or out-of-bounds
``page``/``limit`` answer 400 ``VALIDATION_FAILED``.
"""

from __future__ import annotations

import base64
import binascii
import json
import math
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Count, Q, Window
from rest_framework.pagination import BasePagination
from rest_framework.response import Response

from config.errors import ValidationFailedError
from config.totals import page_total

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


class ContentCursorPagination(ContentPagination):
    """Page numbers as :class:`ContentPagination`, plus keyset pages with an opaque ``cursor``.

    ``nextCursor`` in the pagination meta is base64url of ``[ordering, [sort key..., id]]`` of
    the page's last row, or ``null`` on the last page. With ``cursor`` the next page is the rows
    strictly after that key in the queryset's ordering (an index range: no OFFSET, no COUNT),
    so a deep page costs what the first one does, and rows inserted meanwhile are never repeated.
    A cursor page answers ``{"limit", "nextCursor"}`` only: counting a million rows is the cost
    the cursor avoids. ``page`` and ``cursor`` together, or a cursor that does not decode or was
    made for another sort, answer 400 ``VALIDATION_FAILED``.

    The queryset must be ordered by fields that all sort the same way and end with a unique one
    (the id); every content sort is (see ``CONTENT_SORTS``).
    """

    def paginate_queryset(self, queryset, request, view=None):
        raw = request.query_params.get("cursor")
        self.ordering = [str(f) for f in queryset.query.order_by]
        self.model = queryset.model
        if raw in (None, ""):
            # Page numbers: the page and one row more, and a total that costs no more than the
            # page (config/totals.py: exact up to 1,000 items, the planner's estimate above).
            self.cursor_mode = False
            query = request.query_params
            self.page = parse_positive_int(query.get("page"), "page", 1, MAX_PAGE)
            self.limit = parse_positive_int(
                query.get("limit"), "limit", self.default_limit, MAX_LIMIT
            )
            offset = (self.page - 1) * self.limit
            rows = list(queryset[offset : offset + self.limit + 1])
            more = len(rows) > self.limit
            self.rows = rows[: self.limit]
            self.total = page_total(
                queryset, offset=offset, found=len(self.rows), has_more=more, ceiling=None
            )
            self.next_cursor = self._encode(self.rows[-1]) if self.rows and more else None
            return self.rows
        if request.query_params.get("page") not in (None, ""):
            raise ValidationFailedError.for_fields({"cursor": "Give either page or cursor."})
        self.cursor_mode = True
        self.limit = parse_positive_int(
            request.query_params.get("limit"), "limit", self.default_limit, MAX_LIMIT
        )
        values = self._decode(raw)
        rows = list(queryset.filter(self._after(values))[: self.limit + 1])
        self.rows = rows[: self.limit]
        self.next_cursor = self._encode(self.rows[-1]) if len(rows) > self.limit else None
        return self.rows

    def _fields(self) -> list[tuple[str, bool]]:
        return [(f.lstrip("-"), f.startswith("-")) for f in self.ordering]

    def _encode(self, row) -> str:
        values = []
        for name, _ in self._fields():
            value = getattr(row, name) if not isinstance(row, dict) else row[name]
            values.append(value.isoformat() if hasattr(value, "isoformat") else str(value))
        payload = json.dumps([",".join(self.ordering), values], separators=(",", ":"))
        return base64.urlsafe_b64encode(payload.encode()).decode().rstrip("=")

    def _decode(self, raw: str) -> list[Any]:
        invalid = ValidationFailedError.for_fields(
            {"cursor": "Invalid cursor: pass the nextCursor of a previous page unchanged."}
        )
        try:
            payload = json.loads(base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4)))
            ordering, values = payload
            fields = self._fields()
            if ordering != ",".join(self.ordering) or len(values) != len(fields):
                raise ValueError
            return [
                self.model._meta.get_field(name).to_python(value)
                for (name, _), value in zip(fields, values, strict=True)
            ]
        except (ValueError, TypeError, binascii.Error, DjangoValidationError) as error:
            raise invalid from error

    def _after(self, values: list[Any]) -> Q:
        """Rows strictly after ``values`` in the ordering: (a, b) > (x, y) written as
        ``a >= x AND (a > x OR (a = x AND b > y))``; the leading ``a >= x`` is what lets the
        planner start the index scan at the cursor instead of filtering from the top."""
        fields = self._fields()
        after = Q()
        for index in reversed(range(len(fields))):
            name, descending = fields[index]
            strictly = Q(**{f"{name}__{'lt' if descending else 'gt'}": values[index]})
            after = (
                strictly
                if index == len(fields) - 1
                else strictly | (Q(**{name: values[index]}) & after)
            )
        first, descending = fields[0]
        return Q(**{f"{first}__{'lte' if descending else 'gte'}": values[0]}) & after

    def pagination_data(self) -> dict[str, Any]:
        if self.cursor_mode:
            return {"limit": self.limit, "nextCursor": self.next_cursor}
        return {**super().pagination_data(), "nextCursor": self.next_cursor}

    def get_paginated_response_schema(self, schema: dict) -> dict:
        meta = pagination_schema()
        meta["required"] = ["limit", "nextCursor"]
        meta["properties"]["nextCursor"] = {"type": "string", "nullable": True}
        return {
            "type": "object",
            "required": ["data", "pagination"],
            "properties": {"data": schema, "pagination": meta},
        }
