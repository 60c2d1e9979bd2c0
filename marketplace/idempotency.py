"""``Idempotency-Key`` support for unsafe endpoints (publish).

The first request with a key records itself as in progress (committed at once, outside the
request's transaction), runs, and stores its response. A retry with the same key and body replays
that response without running anything; the same key with another body answers 422
``IDEMPOTENCY_KEY_REUSED``; a retry while the first is still running answers 409 ``CONFLICT``.
Server errors are not stored, so they can be retried. Records expire after 24 hours.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from datetime import timedelta
from functools import wraps

from django.db import IntegrityError, transaction
from django.utils import timezone
from rest_framework.request import Request
from rest_framework.response import Response

from config.errors import ConflictError, ValidationFailedError
from marketplace.errors import IdempotencyKeyReusedError
from marketplace.models import IdempotencyRecord
from publishing.models import APIKey

HEADER = "Idempotency-Key"
TTL = timedelta(hours=24)
MAX_KEY_LENGTH = 255


def _caller(request: Request) -> str:
    if isinstance(request.auth, APIKey):
        return f"key:{request.auth.pk}"
    return f"user:{request.user.pk}"


def _request_hash(request: Request) -> str:
    body = json.dumps(request.data, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(f"{request.method} {request.path}\n{body}".encode()).hexdigest()


def _claim(caller: str, key: str, request_hash: str) -> IdempotencyRecord | None:
    """Insert the in-progress row; return the existing record instead when there is one."""
    now = timezone.now()
    for _ in range(2):
        try:
            with transaction.atomic():
                IdempotencyRecord.objects.create(
                    caller=caller, key=key, request_hash=request_hash, created_at=now
                )
            return None
        except IntegrityError:
            existing = IdempotencyRecord.objects.filter(caller=caller, key=key).first()
            if existing is None:
                continue  # deleted between our insert and read: try again
            if existing.created_at < now - TTL:
                IdempotencyRecord.objects.filter(pk=existing.pk).delete()
                continue
            return existing
    raise ConflictError("A request with this Idempotency-Key is in progress.")


def idempotent(view_method: Callable[..., Response]) -> Callable[..., Response]:
    """Decorate an APIView/ViewSet method to honour the ``Idempotency-Key`` header."""

    @wraps(view_method)
    def wrapper(self, request: Request, *args, **kwargs) -> Response:
        key = request.headers.get(HEADER)
        if key is None:
            return view_method(self, request, *args, **kwargs)
        if not key or len(key) > MAX_KEY_LENGTH or not key.isprintable():
            raise ValidationFailedError.for_fields(
                {HEADER: f"Must be 1-{MAX_KEY_LENGTH} printable characters."}
            )
        caller, request_hash = _caller(request), _request_hash(request)
        existing = _claim(caller, key, request_hash)
        if existing is not None:
            if existing.request_hash != request_hash:
                raise IdempotencyKeyReusedError()
            if existing.in_progress:
                raise ConflictError("A request with this Idempotency-Key is still in progress.")
            response = Response(existing.response_body, status=existing.response_status)
            response["Idempotent-Replayed"] = "true"
            return response
        try:
            response = view_method(self, request, *args, **kwargs)
        except Exception:
            IdempotencyRecord.objects.filter(caller=caller, key=key).delete()
            raise
        IdempotencyRecord.objects.filter(caller=caller, key=key).update(
            in_progress=False, response_status=response.status_code, response_body=response.data
        )
        return response

    return wrapper
