"""Listing versions: the list, one version, and the diff between two, for whoever may see the
listing (``listing_get_visible``: the same 404s as the detail). Hidden content is omitted exactly
as the detail omits it (``content_visible_to``)."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from config.errors import ValidationFailedError
from config.pagination import paginated
from config.query_params import StrictQueryParamsMixin
from config.responses import ok
from config.schema import PAGE_PARAMETERS, enveloped, errors, paged
from config.serializers import validated_input
from marketplace import selectors, services
from marketplace.api import version_serializers as vs
from marketplace.diffs import listing_version_diff
from marketplace.models import Listing, ShareType
from publishing.api.item_serializers import RenderInputSerializer, RenderOutputSerializer
from publishing.tenancy import Actor, actor_from_request

TAGS = ["marketplace"]


def _visible_listing(request: Request, listing_id: str) -> tuple[Actor, Listing]:
    actor = actor_from_request(request)
    listing = selectors.listing_get_visible(actor=actor, listing_id=listing_id)
    return actor, listing


def _own(listing: Listing, actor: Actor) -> bool:
    """The publishing organization also sees its versions that are not (yet) published."""
    return listing.organization_id == actor.organization.pk


def _version_number(raw: str | None, name: str) -> int:
    if raw is None or not (raw.isascii() and raw.isdigit()) or len(raw) > 9 or int(raw) < 1:
        raise ValidationFailedError.for_fields({name: "Required: a version number (1 or more)."})
    return int(raw)


class ListingVersionsView(StrictQueryParamsMixin, APIView):
    @extend_schema(
        tags=TAGS,
        operation_id="marketplace_versions_list",
        summary="A listing's versions, newest first; `content` only when it is visible to you",
        parameters=PAGE_PARAMETERS,
        responses={200: paged(vs.ListingVersionOutputSerializer), **errors(400, 401, 404)},
    )
    def get(self, request: Request, listing_id: str) -> Response:
        actor, listing = _visible_listing(request, listing_id)
        return paginated(
            request,
            selectors.listing_version_list(
                listing=listing, published_only=not _own(listing, actor)
            ),
            vs.ListingVersionOutputSerializer,
            context={"content_visible": selectors.content_visible_to(listing, actor)},
        )


class ListingVersionDetailView(APIView):
    @extend_schema(
        tags=TAGS,
        operation_id="marketplace_version_retrieve",
        summary="One version of a listing (404 LISTING_VERSION_NOT_FOUND when it has none)",
        responses={200: enveloped(vs.ListingVersionOutputSerializer), **errors(400, 401, 404)},
    )
    def get(self, request: Request, listing_id: str, number: str) -> Response:
        actor, listing = _visible_listing(request, listing_id)
        version = selectors.listing_version_get(
            listing=listing,
            number=_version_number(number, "number"),
            published_only=not _own(listing, actor),
        )
        context = {"content_visible": selectors.content_visible_to(listing, actor)}
        return ok(vs.ListingVersionOutputSerializer(version, context=context).data)


class ListingDiffView(StrictQueryParamsMixin, APIView):
    @extend_schema(
        tags=TAGS,
        summary="What changed between two versions of a listing, as unified diffs",
        description=(
            "Per field a unified diff (empty when unchanged); `variables` lists the names added "
            "and removed. Where the content is hidden from you, `body` is only "
            '`{"changed": true|false}`. 404 `LISTING_VERSION_NOT_FOUND` for a version the '
            "listing does not have; 413 `DIFF_TOO_LARGE` above 200 kB of text."
        ),
        parameters=[
            OpenApiParameter("from", int, required=True, description="The older version."),
            OpenApiParameter("to", int, required=True, description="The newer version."),
        ],
        responses={200: enveloped(vs.ListingDiffOutputSerializer), **errors(400, 401, 404, 413)},
    )
    def get(self, request: Request, listing_id: str) -> Response:
        from_number = _version_number(request.query_params.get("from"), "from")
        to_number = _version_number(request.query_params.get("to"), "to")
        actor, listing = _visible_listing(request, listing_id)
        old, new = selectors.listing_version_pair(
            listing=listing,
            from_number=from_number,
            to_number=to_number,
            published_only=not _own(listing, actor),
        )
        visible = selectors.content_visible_to(listing, actor)
        return ok(listing_version_diff(old, new, content_visible=visible))


class AcquiredDiffView(APIView):
    @extend_schema(
        tags=TAGS,
        summary="What changed from a reference's pinned version to the listing's latest",
        description=(
            "The listing diff from `pinnedVersion` to `latestVersion` (from = to, all fields "
            "unchanged, for a reference following latest); hidden content as in the listing "
            "diff. 410 when the listing is no longer available; 400 for a copy."
        ),
        responses={
            200: enveloped(vs.ListingDiffOutputSerializer),
            **errors(400, 401, 404, 410, 413),
        },
    )
    def get(self, request: Request, acquisition_id: str) -> Response:
        actor = actor_from_request(request)
        acquisition = selectors.acquisition_get(actor=actor, acquisition_id=acquisition_id)
        if acquisition.type != ShareType.REFERENCE:
            raise ValidationFailedError.for_fields({"acquisitionId": "A copy has no versions."})
        services.require_available(acquisition.listing)
        listing = acquisition.listing
        latest = listing.version
        old, new = selectors.listing_version_pair(
            listing=listing,
            from_number=acquisition.pinned.number if acquisition.pinned_id else latest,
            to_number=latest,
        )
        visible = selectors.content_visible_to(listing, actor)
        return ok(listing_version_diff(old, new, content_visible=visible))


class ListingUsageView(APIView):
    @extend_schema(
        tags=TAGS,
        summary="How your listing is used: acquisitions by kind, counts only",
        description="For the publishing organization only (404 for anyone else).",
        responses={200: enveloped(vs.ListingUsageOutputSerializer), **errors(400, 401, 404)},
    )
    def get(self, request: Request, listing_id: str) -> Response:
        actor = actor_from_request(request)
        listing = selectors.listing_get_own(actor=actor, listing_id=listing_id)
        return ok(selectors.listing_usage(listing=listing))


class AcquiredRenderView(APIView):
    @extend_schema(
        tags=TAGS,
        summary="Fill in the variables of what an acquisition resolves to",
        description=(
            "A copy renders its own body; a reference renders its source as the acquisition's "
            "detail resolves it: the pinned version, or the listing's latest. `text` is null "
            "when the listing hides its content (`missing` still names the variables without "
            "a value); `strict: true` answers 400 when any is missing. 410 when a reference's "
            "listing is no longer available."
        ),
        request=RenderInputSerializer,
        responses={200: enveloped(RenderOutputSerializer), **errors(400, 401, 404, 410)},
    )
    def post(self, request: Request, acquisition_id: str) -> Response:
        actor = actor_from_request(request)
        acquisition = selectors.acquisition_get(actor=actor, acquisition_id=acquisition_id)
        data = validated_input(RenderInputSerializer, request).validated_data
        text, missing = services.acquisition_render(
            acquisition=acquisition, actor=actor, values=data["variables"], strict=data["strict"]
        )
        return ok({"text": text, "missing": missing})
