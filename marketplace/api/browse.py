"""Browse paging: page numbers (with totals) or keyset cursors (fast at any depth)."""

from __future__ import annotations

import base64
import binascii
import json
import math
from datetime import datetime
from typing import Any

from django.db.models import QuerySet

from config.errors import ValidationFailedError
from config.totals import page_total
from marketplace.selectors import SORT_KEYS, cursor_values

# JSON types of the sort-key fields a cursor may carry (published_at travels as ISO text).
_FIELD_TYPES = {"featured": bool, "usage_count": int, "id": str, "name": str}


def encode_cursor(sort: str, values: list[Any]) -> str:
    plain = [v.isoformat() if isinstance(v, datetime) else v for v in values]
    raw = json.dumps({"s": sort, "v": plain}, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str, sort: str) -> tuple:
    """Parse a cursor made by ``encode_cursor`` for ``sort``; anything else is a 400."""
    error = ValidationFailedError.for_fields({"cursor": "Invalid or expired cursor."})
    if len(cursor) > 1000:
        raise error
    try:
        data = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        keys = SORT_KEYS[sort]
        if (
            not isinstance(data, dict)
            or data.get("s") != sort
            or len(data.get("v", [])) != len(keys)
        ):
            raise error
        values = []
        for key, value in zip(keys, data["v"], strict=True):
            field = key.lstrip("-")
            if field == "published_at":
                value = datetime.fromisoformat(value)
            elif type(value) is not _FIELD_TYPES[field]:
                raise error
            values.append(value)
        return tuple(values)
    except (ValueError, TypeError, KeyError, binascii.Error, UnicodeDecodeError) as exc:
        raise error from exc


def browse_page(
    queryset: QuerySet,
    *,
    matches: QuerySet,
    sort: str,
    page: int,
    limit: int,
    cursor: str | None,
    ceiling: int | None = None,
) -> tuple[list, dict[str, Any], str | None]:
    """Return (rows, pagination, next_cursor): the page, plus (page mode, not the last page) an
    estimate of ``matches`` and at most one capped count for the total (``page_total``).

    With a cursor the total is not counted (that is what makes deep pages cheap).
    """
    if cursor is not None:
        rows = list(queryset[: limit + 1])
        pagination = {"page": None, "limit": limit, "total": None, "pages": None}
    else:
        offset = (page - 1) * limit
        rows = list(queryset[offset : offset + limit + 1])
        total = page_total(
            matches,
            offset=offset,
            found=min(len(rows), limit),
            has_more=len(rows) > limit,
            ceiling=ceiling,
        )
        pages = math.ceil(total / limit) if total else 0
        pagination = {"page": page, "limit": limit, "total": total, "pages": pages}
    has_more = len(rows) > limit
    rows = rows[:limit]
    next_cursor = None
    if has_more and sort in SORT_KEYS and rows:
        next_cursor = encode_cursor(sort, cursor_values(rows[-1], sort))
    return rows, pagination, next_cursor
