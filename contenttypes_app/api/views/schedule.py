"""Views of publishing schedules: ``…/content-types/{id}/schedule`` and ``…/content/{id}/schedule``
(GET shows, POST sets or replaces, DELETE cancels). Who may publish may schedule."""

from __future__ import annotations

import uuid

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from config.schema import content_errors
from config.serializers import validated_input
from contenttypes_app.api.serializers.schedule import (
    ScheduleInputSerializer,
    ScheduleOutputSerializer,
)
from contenttypes_app.api.views.common import CONTENT_TYPES
from contenttypes_app.api.views.content import CONTENT
from contenttypes_app.services import scheduling
from publishing.tenancy import actor_from_request


class _ScheduleView(APIView):
    kind: str  # "content_type" | "content"

    def get(self, request: Request, organization_id, project_id, id: uuid.UUID) -> Response:
        actor = actor_from_request(request, organization_id)
        schedule = scheduling.schedule_get(
            actor=actor, kind=self.kind, object_id=id, project_id=project_id
        )
        return Response(ScheduleOutputSerializer(schedule).data)

    def post(self, request: Request, organization_id, project_id, id: uuid.UUID) -> Response:
        actor = actor_from_request(request, organization_id)
        data = validated_input(ScheduleInputSerializer, request).validated_data
        schedule = scheduling.schedule_set(
            actor=actor,
            kind=self.kind,
            object_id=id,
            project_id=project_id,
            publish_at=data.get("publishAt"),
            unpublish_at=data.get("unpublishAt"),
        )
        return Response(ScheduleOutputSerializer(schedule).data)

    def delete(self, request: Request, organization_id, project_id, id: uuid.UUID) -> Response:
        actor = actor_from_request(request, organization_id)
        scheduling.schedule_cancel(actor=actor, kind=self.kind, object_id=id, project_id=project_id)
        return Response(status=204)


def _docs(tags: list[str], noun: str, prefix: str) -> dict:
    return {
        "get": extend_schema(
            tags=tags,
            operation_id=f"{prefix}_schedule_get",
            summary=f"Show the {noun}'s publishing schedule",
            responses={200: ScheduleOutputSerializer, **content_errors(401, 404)},
        ),
        "post": extend_schema(
            tags=tags,
            operation_id=f"{prefix}_schedule_set",
            summary=f"Schedule the {noun}'s publish and/or unpublish (replaces any schedule)",
            description=(
                "`publishAt` and/or `unpublishAt`: ISO 8601 with an offset, in the future, at "
                "most one year ahead, `unpublishAt` after `publishAt` (else 400 "
                "VALIDATION_FAILED with `details.fields`). At each time the publish (unpublish) "
                "runs as the member who scheduled it, with their permission checked then; a "
                "refusal is recorded in `lastError` and sent as a `*.schedule_failed` event. "
                "Who may publish may schedule."
            ),
            request=ScheduleInputSerializer,
            responses={200: ScheduleOutputSerializer, **content_errors(400, 401, 403, 404, 409)},
        ),
        "delete": extend_schema(
            tags=tags,
            operation_id=f"{prefix}_schedule_cancel",
            summary=f"Cancel the {noun}'s schedule",
            description="404 SCHEDULE_NOT_FOUND when it has none.",
            responses={
                204: OpenApiResponse(description="Cancelled."),
                **content_errors(401, 403, 404),
            },
        ),
    }


def _decorate(cls: type[_ScheduleView], docs: dict) -> type[_ScheduleView]:
    """Each class gets its own copy of each handler: drf-spectacular stores its annotation on
    the function object, so sharing one would give both classes the last one's."""
    for method, decorator in docs.items():
        base = getattr(_ScheduleView, method)

        def handler(self, *args, _base=base, **kwargs):
            return _base(self, *args, **kwargs)

        setattr(cls, method, decorator(handler))
    return cls


class ContentTypeScheduleView(_ScheduleView):
    kind = "content_type"


class ContentScheduleView(_ScheduleView):
    kind = "content"


_decorate(ContentTypeScheduleView, _docs(CONTENT_TYPES, "content type", "content_types"))
_decorate(ContentScheduleView, _docs(CONTENT, "content item", "content"))
