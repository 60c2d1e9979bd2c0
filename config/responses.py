"""Success envelopes for the ``/api/`` family."""

from __future__ import annotations

from typing import Any

from rest_framework.response import Response


def ok(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    """``{"success": true, "data": data}``."""
    return Response({"success": True, "data": data}, status=status, headers=headers)
