"""Marketplace endpoints, publisher side: publish, my listings, update, unpublish."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, OpenApiTypes, extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from config.errors import ValidationFailedError
from config.pagination import paginated
from config.responses import ok
from config.schema import PAGE_PARAMETERS, enveloped, errors, paged
from marketplace import selectors, services
from marketplace.api import serializers as s
from marketplace.idempotency import HEADER as IDEMPOTENCY_HEADER
from marketplace.idempotency import idempotent
from marketplace.models import ItemType, ListingStatus, Scope
from publishing.tenancy import actor_from_request

TAGS = ["marketplace"]


def _validated(serializer_class, request: Request):
    serializer = serializer_class(data=request.data)
    serializer.is_valid(raise_exception=True)
    return serializer


def _choice_param(request: Request, name: str, choices) -> str | None:
    value = request.query_params.get(name)
    if value is not None and value not in choices.values:
        raise ValidationFailedError.for_fields(
            {name: f"Must be one of: {', '.join(choices.values)}."}
        )
    return value


class PublishView(APIView):
    @extend_schema(
        tags=TAGS,
        summary="Publish a prompt or template to the organization and/or the marketplace",
        description=(
            "Creates or updates one listing per enabled scope (republishing keeps listing ids) "
            "from a snapshot of the item; disabled or absent scopes are left untouched. "
            "Organization listings are active at once; marketplace listings are active, or "
            "`pending_review` when the server requires review; a rejected or suspended listing "
            "only returns to `pending_review`. Send `Idempotency-Key` to make retries safe."
        ),
        parameters=[
            OpenApiParameter(
                IDEMPOTENCY_HEADER,
                OpenApiTypes.STR,
                OpenApiParameter.HEADER,
                description="Up to 255 characters, kept 24 h per caller: a retry with the same key "
                "and body replays the first response; another body answers 422; a retry while the "
                "first runs answers 409.",
            )
        ],
        request=s.PublishInputSerializer,
        responses={
            200: enveloped(s.PublishOutputSerializer),
            **errors(400, 401, 403, 404, 409, 422, 429),
        },
    )
    @idempotent
    def post(self, request: Request) -> Response:
        actor = actor_from_request(request)
        serializer = _validated(s.PublishInputSerializer, request)
        data = serializer.validated_data
        listings = services.listing_publish(
            actor=actor,
            item_type=data["itemType"],
            item_id=data["itemId"],
            scopes=serializer.enabled_scopes(),
            metadata=s.metadata_from(data.get("metadata")),
        )
        return ok({"published": s.PublishedEntrySerializer(listings, many=True).data})


class UnpublishItemView(APIView):
    @extend_schema(
        tags=TAGS,
        summary="Unpublish an item from the given scopes (soft: status 'unpublished')",
        request=s.UnpublishInputSerializer,
        responses={200: enveloped(s.UnpublishOutputSerializer), **errors(400, 401, 403, 404)},
    )
    def post(self, request: Request) -> Response:
        actor = actor_from_request(request)
        data = _validated(s.UnpublishInputSerializer, request).validated_data
        listings = services.listing_unpublish_item(
            actor=actor, item_type=data["itemType"], item_id=data["itemId"], scopes=data["scopes"]
        )
        return ok({"unpublished": s.UnpublishedEntrySerializer(listings, many=True).data})


class MyPublishedView(APIView):
    @extend_schema(
        tags=TAGS,
        summary="The listings my organization published, in every status",
        parameters=[
            OpenApiParameter("scope", str, enum=Scope.values),
            OpenApiParameter("status", str, enum=ListingStatus.values),
            OpenApiParameter("itemType", str, enum=ItemType.values),
            *PAGE_PARAMETERS,
        ],
        responses={200: paged(s.OwnListingOutputSerializer), **errors(400, 401, 403)},
    )
    def get(self, request: Request) -> Response:
        actor = actor_from_request(request)
        queryset = selectors.listing_list_published_by(
            actor=actor,
            scope=_choice_param(request, "scope", Scope),
            status=_choice_param(request, "status", ListingStatus),
            item_type=_choice_param(request, "itemType", ItemType),
        )
        return paginated(request, queryset, s.OwnListingOutputSerializer)


class ListingManageView(APIView):
    """``PATCH`` and ``DELETE /api/marketplace/{id}`` (publisher side)."""

    @extend_schema(
        tags=TAGS,
        summary="Change a listing's sharing settings or display metadata",
        request=s.ListingUpdateInputSerializer,
        responses={200: enveloped(s.OwnListingOutputSerializer), **errors(400, 401, 403, 404)},
    )
    def patch(self, request: Request, listing_id: str) -> Response:
        actor = actor_from_request(request)
        selectors.listing_get_own(actor=actor, listing_id=listing_id)  # validates the id; 404s
        serializer = _validated(s.ListingUpdateInputSerializer, request)
        listing = services.listing_update(
            actor=actor,
            listing_id=listing_id,
            changes=serializer.changes(),
            metadata=s.metadata_from(serializer.validated_data.get("metadata")),
        )
        return ok(s.OwnListingOutputSerializer(listing).data)

    @extend_schema(
        tags=TAGS,
        summary="Unpublish a listing (soft; references stop resolving, copies stay)",
        responses={200: enveloped(s.OwnListingOutputSerializer), **errors(400, 401, 403, 404)},
    )
    def delete(self, request: Request, listing_id: str) -> Response:
        actor = actor_from_request(request)
        selectors.listing_get_own(actor=actor, listing_id=listing_id)
        listing = services.listing_unpublish(actor=actor, listing_id=listing_id)
        return ok(s.OwnListingOutputSerializer(listing).data)
