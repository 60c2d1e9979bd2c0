"""Webhook endpoints, their delivery log, and the event feed (``/api/`` envelope).

Endpoints are managed by organization admins and owners; the organization is the caller's (the
``X-Organization-Id`` header picks one). Another organization's ids answer 404.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json

from django.utils.dateparse import parse_datetime
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from config.errors import ValidationFailedError
from config.pagination import DEFAULT_LIMIT, MAX_LIMIT, paginated, parse_positive_int
from config.query_params import StrictQueryParamsMixin
from config.replicas import from_replica
from config.responses import ok
from config.schema import PAGE_PARAMETERS, enveloped, errors, paged
from config.serializers import validated_input
from publishing.tenancy import actor_from_request
from webhooks import selectors, services
from webhooks.api import serializers as s
from webhooks.events import EVENT_TYPES
from webhooks.models import WebhookDelivery

TAGS = ["webhooks"]
EVENT_TAGS = ["events"]
MANAGE = "manage webhooks"


def _endpoint(request: Request, webhook_id: str):
    actor = actor_from_request(request)
    endpoint = selectors.webhook_endpoint_get(actor=actor, endpoint_id=webhook_id)
    actor.require_role("admin", MANAGE)
    return actor, endpoint


class WebhookListView(StrictQueryParamsMixin, APIView):
    @extend_schema(
        tags=TAGS,
        summary="List the organization's webhook endpoints (admin or owner; never the secrets)",
        operation_id="webhooks_list",
        parameters=PAGE_PARAMETERS,
        responses={200: paged(s.WebhookOutputSerializer), **errors(400, 401, 403)},
    )
    def get(self, request: Request) -> Response:
        actor = actor_from_request(request)
        actor.require_role("admin", MANAGE)
        return paginated(
            request, selectors.webhook_endpoint_list(actor=actor), s.WebhookOutputSerializer
        )

    @extend_schema(
        tags=TAGS,
        summary="Create a webhook endpoint; its signing secret is in this response only",
        description=(
            '`eventTypes` lists the event types to receive (or `["*"]`); unknown names are '
            "refused. `url` must be an absolute `https://` URL (or `http://` where the server "
            "allows private targets), at most 2,000 characters, without credentials; literal "
            "private, loopback, link-local, multicast and reserved addresses are refused. At "
            "most 20 endpoints per organization (409)."
        ),
        request=s.WebhookCreateInputSerializer,
        responses={
            201: enveloped(s.WebhookWithSecretOutputSerializer),
            **errors(400, 401, 403, 409),
        },
    )
    def post(self, request: Request) -> Response:
        actor = actor_from_request(request)
        actor.require_role("admin", MANAGE)
        data = validated_input(s.WebhookCreateInputSerializer, request).validated_data
        endpoint = services.webhook_endpoint_create(
            actor=actor,
            url=data["url"],
            event_types=data["eventTypes"],
            description=data["description"],
            enabled=data["enabled"],
        )
        return ok(s.WebhookWithSecretOutputSerializer(endpoint).data, status=201)


class WebhookDetailView(APIView):
    @extend_schema(
        tags=TAGS,
        summary="A webhook endpoint (admin or owner)",
        responses={200: enveloped(s.WebhookOutputSerializer), **errors(400, 401, 403, 404)},
    )
    def get(self, request: Request, webhook_id: str) -> Response:
        _, endpoint = _endpoint(request, webhook_id)
        return ok(s.WebhookOutputSerializer(endpoint).data)

    @extend_schema(
        tags=TAGS,
        summary="Change a webhook endpoint's url, description, event types or enabled flag",
        request=s.WebhookUpdateInputSerializer,
        responses={200: enveloped(s.WebhookOutputSerializer), **errors(400, 401, 403, 404)},
    )
    def patch(self, request: Request, webhook_id: str) -> Response:
        actor, endpoint = _endpoint(request, webhook_id)
        serializer = validated_input(s.WebhookUpdateInputSerializer, request)
        endpoint = services.webhook_endpoint_update(
            actor=actor, endpoint_id=endpoint.pk, changes=serializer.changes()
        )
        return ok(s.WebhookOutputSerializer(endpoint).data)

    @extend_schema(
        tags=TAGS,
        summary="Delete a webhook endpoint and its delivery log",
        responses={204: None, **errors(400, 401, 403, 404)},
    )
    def delete(self, request: Request, webhook_id: str) -> Response:
        actor, endpoint = _endpoint(request, webhook_id)
        services.webhook_endpoint_delete(actor=actor, endpoint_id=endpoint.pk)
        return Response(status=204)


class WebhookRotateSecretView(APIView):
    @extend_schema(
        tags=TAGS,
        summary="Rotate the signing secret; the old one also signs for 24 hours",
        request=None,
        responses={
            200: enveloped(s.WebhookWithSecretOutputSerializer),
            **errors(400, 401, 403, 404),
        },
    )
    def post(self, request: Request, webhook_id: str) -> Response:
        actor, endpoint = _endpoint(request, webhook_id)
        endpoint = services.webhook_endpoint_rotate_secret(actor=actor, endpoint_id=endpoint.pk)
        return ok(s.WebhookWithSecretOutputSerializer(endpoint).data)


class WebhookTestView(APIView):
    @extend_schema(
        tags=TAGS,
        summary="Send a webhook.test event to this endpoint",
        request=None,
        responses={202: enveloped(s.WebhookTestOutputSerializer), **errors(400, 401, 403, 404)},
    )
    def post(self, request: Request, webhook_id: str) -> Response:
        actor, endpoint = _endpoint(request, webhook_id)
        event = services.webhook_endpoint_test(actor=actor, endpoint_id=endpoint.pk)
        return ok({"eventId": event.pk}, status=202)


class WebhookDeliveryListView(StrictQueryParamsMixin, APIView):
    @extend_schema(
        tags=TAGS,
        summary="The endpoint's deliveries, newest first, each with its attempts",
        operation_id="webhooks_deliveries_list",
        parameters=[
            OpenApiParameter("status", str, enum=WebhookDelivery.Status.values),
            *PAGE_PARAMETERS,
        ],
        responses={200: paged(s.WebhookDeliveryOutputSerializer), **errors(400, 401, 403, 404)},
    )
    def get(self, request: Request, webhook_id: str) -> Response:
        _, endpoint = _endpoint(request, webhook_id)
        status = request.query_params.get("status") or None
        if status is not None and status not in WebhookDelivery.Status.values:
            raise ValidationFailedError.for_fields(
                {"status": f"Must be one of: {', '.join(WebhookDelivery.Status.values)}."}
            )
        return paginated(
            request,
            selectors.webhook_delivery_list(endpoint=endpoint, status=status),
            s.WebhookDeliveryOutputSerializer,
        )


class WebhookRedeliverView(APIView):
    @extend_schema(
        tags=TAGS,
        summary="Deliver again now (the same event, the same webhook-id)",
        request=None,
        responses={
            202: enveloped(s.WebhookRedeliverOutputSerializer),
            **errors(400, 401, 403, 404),
        },
    )
    def post(self, request: Request, webhook_id: str, delivery_id: str) -> Response:
        _, endpoint = _endpoint(request, webhook_id)
        delivery = selectors.webhook_delivery_get(endpoint=endpoint, delivery_id=delivery_id)
        delivery = services.webhook_delivery_redeliver(delivery_id=delivery.pk)
        return ok({"deliveryId": delivery.pk, "status": delivery.status}, status=202)


def encode_event_cursor(occurred_at: dt.datetime, event_id: str) -> str:
    raw = json.dumps([occurred_at.isoformat(), event_id], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_event_cursor(cursor: str) -> tuple[dt.datetime, str]:
    error = ValidationFailedError.for_fields({"cursor": "Invalid or expired cursor."})
    if len(cursor) > 200:
        raise error
    try:
        at, event_id = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        when = dt.datetime.fromisoformat(at)
    except (ValueError, TypeError, binascii.Error, UnicodeDecodeError) as exc:
        raise error from exc
    if not isinstance(event_id, str) or when.tzinfo is None or len(event_id) > 28:
        raise error
    return when, event_id


class EventListView(StrictQueryParamsMixin, APIView):
    @extend_schema(
        tags=EVENT_TAGS,
        summary="The organization's events, newest first (kept 30 days), for clients that poll",
        operation_id="events_list",
        description=(
            "Keyset paginated: follow `nextCursor` (pass it back as `cursor`). `since` keeps "
            "events that occurred at or after an ISO 8601 time (with a time zone)."
        ),
        parameters=[
            OpenApiParameter("type", str, enum=list(EVENT_TYPES)),
            OpenApiParameter(
                "since", {"type": "string", "format": "date-time"}, description="ISO 8601."
            ),
            OpenApiParameter("cursor", str, description="The nextCursor of a previous page."),
            OpenApiParameter(
                "limit",
                {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT},
                description=f"Events per page (default {DEFAULT_LIMIT}).",
            ),
        ],
        responses={200: enveloped(s.EventPageOutputSerializer), **errors(400, 401, 403)},
    )
    def get(self, request: Request) -> Response:
        actor = actor_from_request(request)
        query = request.query_params
        event_type = query.get("type") or None
        if event_type is not None and event_type not in EVENT_TYPES:
            raise ValidationFailedError.for_fields({"type": "Unknown event type."})
        since = None
        if query.get("since"):
            try:
                since = parse_datetime(query["since"])
            except ValueError:
                since = None
            if since is None or since.tzinfo is None:
                raise ValidationFailedError.for_fields(
                    {"since": "Must be an ISO 8601 date-time with a time zone."}
                )
        raw_cursor = query.get("cursor") or None
        before = decode_event_cursor(raw_cursor) if raw_cursor is not None else None
        limit = parse_positive_int(query.get("limit"), "limit", DEFAULT_LIMIT, MAX_LIMIT)
        # The log is append-only: a replica a moment behind is fine.
        rows = from_replica(
            lambda: list(
                selectors.event_list(actor=actor, type=event_type, since=since, before=before)[
                    : limit + 1
                ]
            )
        )
        next_cursor = None
        if len(rows) > limit:
            rows = rows[:limit]
            next_cursor = encode_event_cursor(rows[-1].occurred_at, rows[-1].pk)
        items = s.EventOutputSerializer(rows, many=True).data
        return ok({"items": items, "nextCursor": next_cursor})
