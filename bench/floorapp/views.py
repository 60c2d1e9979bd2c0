"""The floor: the least a publish-like request can cost in this stack.

An authenticated DRF endpoint (the same authentication, permission and throttle classes as the API)
that, in one transaction, locks one row and inserts one row, then answers a small JSON body. The
publish benchmarks report their throughput as a fraction of this one, measured in the same run
against the same server, so a noisy machine slows both alike. ``GET`` reads one row by primary
key: the floor of the browse latencies.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from bench.floorapp.models import FloorEvent, FloorRow
from config.errors import NotFoundError, ValidationFailedError


class FloorView(APIView):
    def get(self, request: Request) -> Response:
        """The read floor: one primary-key read, for the browse latencies."""
        key = request.query_params.get("key", "0")
        row = FloorRow.objects.filter(pk=int(key) if key.isdigit() else 0).first()
        return Response({"success": True, "data": {"key": row.pk if row else None}})

    def post(self, request: Request) -> Response:
        key = request.data.get("key") if isinstance(request.data, dict) else None
        if not isinstance(key, int):
            raise ValidationFailedError.for_fields({"key": "An integer."})
        with transaction.atomic():
            row = FloorRow.objects.select_for_update(no_key=True).filter(pk=key).first()
            if row is None:
                raise NotFoundError("No such floor row.")
            FloorEvent.objects.create(row=row, user_id=request.user.pk, created_at=timezone.now())
        return Response({"success": True, "data": {"key": key}})
