"""Marketplace endpoints, publisher side: publish, my listings, update, unpublish."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from config.errors import ValidationFailedError
from config.pagination import (
    DEFAULT_LIMIT,
    MAX_LIMIT,
    MAX_PAGE,
    paginated,
    parse_positive_int,
)
from config.query_params import StrictQueryParamsMixin
from config.replicas import from_replica
from config.responses import ok
from config.schema import PAGE_PARAMETERS, enveloped, errors, paged
from config.serializers import validated_input
from marketplace import selectors, services
from marketplace.api import schema as _schema  # noqa: F401 - registers the OpenAPI extension
from marketplace.api import serializers as s
from marketplace.api.browse import browse_page, decode_cursor
from marketplace.api.publish_input import plain_publish_input
from marketplace.api.publish_output import published_entries
from marketplace.idempotency import HEADER as IDEMPOTENCY_HEADER
from marketplace.idempotency import idempotent
from marketplace.models import ItemType, ListingStatus, Scope
from publishing.selectors import template_category_exists, template_category_list
from publishing.tenancy import actor_from_request
from publishing.throttling import PUBLISH_THROTTLES

TAGS = ["marketplace"]


def _choice_param(request: Request, name: str, choices) -> str | None:
    value = request.query_params.get(name) or None  # empty means absent (allowEmptyValue)
    if value is not None and value not in choices.values:
        raise ValidationFailedError.for_fields(
            {name: f"Must be one of: {', '.join(choices.values)}."}
        )
    return value


class PublishView(APIView):
    throttle_classes = PUBLISH_THROTTLES

    @extend_schema(
        tags=TAGS,
        summary="Publish a prompt or template to the organization and/or the marketplace",
        description=(
            "Creates or updates one listing per enabled scope (republishing keeps listing ids) "
            "from a snapshot of the item; disabled or absent scopes are left untouched. "
            "Organization listings are active at once; marketplace listings are active, or "
            "`pending_review` when the server requires review; a rejected or suspended listing "
            "only returns to `pending_review`. Republishing keeps every setting the request does "
            "not state (`isContentVisible`, `allowEditableReferences`, metadata); defaults apply "
            "only to a new listing, and hidden content becomes visible only with an explicit "
            "`isContentVisible: true`. `allowEditableReferences: true` needs `shareType: "
            "reference` and visible content, in the settings the listing ends up with (400 "
            "naming the fields). Send `Idempotency-Key` to make retries safe."
        ),
        parameters=[
            OpenApiParameter(
                IDEMPOTENCY_HEADER,
                {"type": "string", "minLength": 1, "maxLength": 255},
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
        # The common request without DRF's field objects; anything else through the serializer.
        data = plain_publish_input(request.data)
        if data is None:
            data = validated_input(s.PublishInputSerializer, request).validated_data
        listings = services.listing_publish(
            actor=actor,
            item_type=data["itemType"],
            item_id=data["itemId"],
            scopes=s.enabled_scopes(data),
            metadata=s.metadata_from(data.get("metadata")),
        )
        return ok({"published": published_entries(listings)})


class UnpublishItemView(APIView):
    @extend_schema(
        tags=TAGS,
        summary="Unpublish an item from the given scopes (soft: status 'unpublished')",
        request=s.UnpublishInputSerializer,
        responses={200: enveloped(s.UnpublishOutputSerializer), **errors(400, 401, 403, 404)},
    )
    def post(self, request: Request) -> Response:
        actor = actor_from_request(request)
        data = validated_input(s.UnpublishInputSerializer, request).validated_data
        listings = services.listing_unpublish_item(
            actor=actor, item_type=data["itemType"], item_id=data["itemId"], scopes=data["scopes"]
        )
        return ok({"unpublished": s.UnpublishedEntrySerializer(listings, many=True).data})


def _category_param(request: Request, item_type: str | None) -> str | None:
    category = request.query_params.get("category") or None
    if category is None:
        return None
    if item_type == ItemType.PROMPT:
        raise ValidationFailedError.for_fields(
            {"category": "Only templates have a category: use itemType=template or leave it out."}
        )
    if not template_category_exists(category):
        allowed = list(template_category_list().values_list("name", flat=True))
        raise ValidationFailedError(
            f"Unknown template category {category[:50]!r}.",
            details={
                "fields": {"category": [f"Must be one of: {', '.join(allowed)}."]},
                "allowed": allowed,
            },
        )
    return category


class MyPublishedView(StrictQueryParamsMixin, APIView):
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


class ListingDetailView(APIView):
    """``GET /api/marketplace/{id}`` for everyone who may see it; ``PATCH``/``DELETE`` for the
    publisher."""

    @extend_schema(
        tags=TAGS,
        summary="A listing's details; `content` only when it is visible to you",
        responses={200: enveloped(s.ListingDetailSerializer), **errors(400, 401, 404)},
    )
    def get(self, request: Request, listing_id: str) -> Response:
        actor = actor_from_request(request)
        listing = selectors.listing_get_visible_replicated(actor=actor, listing_id=listing_id)
        return ok(s.ListingDetailSerializer(listing, context={"actor": actor}).data)

    @extend_schema(
        tags=TAGS,
        summary="Change a listing's sharing settings or display metadata",
        description=(
            "Omitted fields keep their values. The resulting settings must go together, as on "
            "publish: `allowEditableReferences: true` needs `shareType: reference` and "
            "`isContentVisible: true` (400 `VALIDATION_FAILED` naming both fields). "
            "`publishAt` / `unpublishAt` schedule this listing (its scope): omitted keeps the "
            "time, null clears it; `publishAt` only while the listing is not live."
        ),
        request=s.ListingUpdateInputSerializer,
        responses={200: enveloped(s.OwnListingOutputSerializer), **errors(400, 401, 403, 404)},
    )
    def patch(self, request: Request, listing_id: str) -> Response:
        actor = actor_from_request(request)
        selectors.listing_get_own(actor=actor, listing_id=listing_id)  # validates the id; 404s
        serializer = validated_input(s.ListingUpdateInputSerializer, request)
        listing = services.listing_update(
            actor=actor,
            listing_id=listing_id,
            changes=serializer.changes(),
            metadata=s.metadata_from(serializer.validated_data.get("metadata")),
            schedule=serializer.schedule(),
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


SORTS = ("newest", "popular", "name", "relevance")
FILTERS = ("all", "organization", "marketplace")


class BrowseView(StrictQueryParamsMixin, APIView):
    @extend_schema(
        tags=TAGS,
        summary="Browse and search the listings visible to you",
        operation_id="marketplace_browse",
        description=(
            "Active marketplace listings plus your organization's active organization-scope "
            "listings. `q` is a full-text search (websearch syntax) over name, description, "
            "usage information and, where the content is visible, the content; with `q` the "
            "default order is relevance. Page with `page`/`limit`, or follow `nextCursor` "
            "(pass it back as `cursor`), which stays fast at any depth. In page mode `total` is "
            "exact on the last page and up to 1,000 matches, and PostgreSQL's estimate above. "
            "Relevance ranks the 1,000 newest matches (all of them when there are fewer): "
            "use `sort=newest` to reach older matches of a very common word."
        ),
        parameters=[
            OpenApiParameter("filter", str, enum=FILTERS, description="Default all."),
            OpenApiParameter("itemType", str, enum=ItemType.values),
            OpenApiParameter(
                "category",
                str,
                description=(
                    "Templates filed under this category (a name from "
                    "`GET /api/template-categories`, or a hidden one templates still carry)."
                ),
            ),
            OpenApiParameter("q", str, description="Search text, up to 200 characters."),
            OpenApiParameter(
                "sort", str, enum=SORTS, description="Default newest (relevance with q)."
            ),
            OpenApiParameter("cursor", str, description="The nextCursor of a previous page."),
            *PAGE_PARAMETERS,
        ],
        responses={200: enveloped(s.BrowseOutputSerializer), **errors(400, 401, 403)},
    )
    def get(self, request: Request) -> Response:
        actor = actor_from_request(request)
        query = request.query_params
        q = (query.get("q") or "").strip() or None
        if q is not None and (len(q) > 200 or "\x00" in q):
            raise ValidationFailedError.for_fields({"q": "At most 200 characters, no NUL."})
        sort = query.get("sort") or ("relevance" if q else "newest")
        if sort not in SORTS or (sort == "relevance" and not q):
            raise ValidationFailedError.for_fields(
                {"sort": "newest, popular, name, or relevance (with q)."}
            )
        browse_filter = query.get("filter") or "all"
        if browse_filter not in FILTERS:
            raise ValidationFailedError.for_fields({"filter": "all, organization or marketplace."})
        raw_cursor = query.get("cursor") or None
        if raw_cursor is not None and sort == "relevance":
            raise ValidationFailedError.for_fields({"cursor": "Not available with relevance."})
        item_type = _choice_param(request, "itemType", ItemType)
        params = selectors.BrowseParams(
            filter=browse_filter,
            item_type=item_type,
            category=_category_param(request, item_type),
            q=q,
            sort=sort,
            cursor=decode_cursor(raw_cursor, sort) if raw_cursor is not None else None,
        )
        page = parse_positive_int(query.get("page"), "page", 1, MAX_PAGE)
        limit = parse_positive_int(query.get("limit"), "limit", DEFAULT_LIMIT, MAX_LIMIT)

        def read() -> tuple:
            rows, pagination, next_cursor = browse_page(
                selectors.listing_browse(actor=actor, params=params),
                matches=selectors.listing_browse_matches(actor=actor, params=params),
                sort=sort,
                page=page,
                limit=limit,
                cursor=raw_cursor,
                ceiling=selectors.RELEVANCE_CANDIDATES if sort == "relevance" else None,
            )
            return s.ListingSummarySerializer(rows, many=True).data, pagination, next_cursor

        # A replica may be a moment behind the primary: fine for browsing.
        items, pagination, next_cursor = from_replica(read)
        return ok({"items": items, "pagination": pagination, "nextCursor": next_cursor})


class AcquireView(APIView):
    @extend_schema(
        tags=TAGS,
        summary="Acquire a listing into your organization (a copy or a reference)",
        description=(
            "Idempotent per organization: acquiring again returns the first acquisition (200). "
            "`requestEditable` makes a reference editable when the listing allows it, also an "
            "existing read-only one (200, `isEditable: true`); when the listing does not allow "
            "it, a repeat acquisition answers 409 `EDITABLE_REFERENCES_NOT_ALLOWED`. A new "
            "reference follows the latest version (`follow: latest`, the default) or stays on one "
            "(`follow: pinned`, `version` defaulting to the live one); a copy cannot be pinned "
            "(400). A repeat acquisition keeps its follow: change it with PATCH."
        ),
        request=s.AcquireInputSerializer,
        responses={
            201: enveloped(s.AcquireOutputSerializer),
            200: enveloped(s.AcquireOutputSerializer),
            **errors(400, 401, 403, 404, 409),
        },
    )
    def post(self, request: Request, listing_id: str) -> Response:
        actor = actor_from_request(request)
        data = validated_input(s.AcquireInputSerializer, request).validated_data
        acquisition, created = services.listing_acquire(
            actor=actor,
            listing_id=listing_id,
            request_editable=data["requestEditable"],
            follow=data["follow"],
            version=data.get("version"),
        )
        body = {"acquired": s.AcquisitionSerializer(acquisition).data}
        return ok(body, status=201 if created else 200)


class ReportView(APIView):
    @extend_schema(
        tags=TAGS,
        summary="Report a listing to the moderators",
        description="One open report per organization and listing: a repeat returns it (200).",
        request=s.ReportInputSerializer,
        responses={
            201: enveloped(s.ReportOutputSerializer),
            200: enveloped(s.ReportOutputSerializer),
            **errors(400, 401, 403, 404),
        },
    )
    def post(self, request: Request, listing_id: str) -> Response:
        actor = actor_from_request(request)
        data = validated_input(s.ReportInputSerializer, request).validated_data
        report, created = services.listing_report(
            actor=actor, listing_id=listing_id, reason=data["reason"], details=data["details"]
        )
        return ok(s.ReportOutputSerializer(report).data, status=201 if created else 200)


class AcquiredListView(StrictQueryParamsMixin, APIView):
    @extend_schema(
        tags=TAGS,
        summary="My organization's acquisitions, each with the item it resolves to",
        operation_id="marketplace_acquired_list",
        parameters=PAGE_PARAMETERS,
        responses={200: paged(s.AcquisitionDetailSerializer), **errors(400, 401, 403)},
    )
    def get(self, request: Request) -> Response:
        actor = actor_from_request(request)
        return paginated(
            request,
            selectors.acquisition_list(actor=actor),
            s.AcquisitionDetailSerializer,
            context={"actor": actor},
        )


class AcquiredDetailView(APIView):
    @extend_schema(
        tags=TAGS,
        summary="One acquisition, resolved (410 for a reference whose listing is gone)",
        responses={200: enveloped(s.AcquisitionDetailSerializer), **errors(400, 401, 404, 410)},
    )
    def get(self, request: Request, acquisition_id: str) -> Response:
        actor = actor_from_request(request)
        acquisition = selectors.acquisition_get(actor=actor, acquisition_id=acquisition_id)
        if acquisition.type == "reference":
            services.require_available(acquisition.listing)
        return ok(s.AcquisitionDetailSerializer(acquisition, context={"actor": actor}).data)

    @extend_schema(
        tags=TAGS,
        summary="Move a reference's pin, or edit the source through an editable reference",
        description=(
            "With `follow` (and optional `pinnedVersion`): pin the reference to any version of "
            "its listing (default the live one) or follow latest; copies answer 400. Otherwise "
            "an edit of the source: the item update's rules apply: at most 200 variables, "
            "`If-Match` with the source item's ETag (sent back in the `ETag` header; 412 when "
            "stale), a new version and an audit row. A listing that hides its content refuses "
            "`body` (403 `CONTENT_HIDDEN`); a pinned reference answers 409 `REFERENCE_PINNED` "
            "(follow latest first)."
        ),
        parameters=[
            OpenApiParameter(
                "If-Match",
                str,
                OpenApiParameter.HEADER,
                description="The source item's ETag from the last edit; 412 if stale.",
            )
        ],
        request=s.AcquisitionPatchInputSerializer,
        responses={
            200: enveloped(s.ReferenceEditOutputSerializer),
            **errors(400, 401, 403, 404, 409, 410, 412),
        },
    )
    def patch(self, request: Request, acquisition_id: str) -> Response:
        actor = actor_from_request(request)
        if isinstance(request.data, dict) and "follow" in request.data:
            follow = validated_input(s.AcquisitionFollowInputSerializer, request).validated_data
            acquisition = services.acquisition_set_follow(
                actor=actor,
                acquisition_id=acquisition_id,
                follow=follow["follow"],
                version=follow.get("pinnedVersion"),
            )
            acquisition = selectors.acquisition_get(actor=actor, acquisition_id=acquisition.pk)
            detail = s.AcquisitionDetailSerializer(acquisition, context={"actor": actor}).data
            return ok({"acquisition": detail, "version": None})
        data = validated_input(s.ReferenceEditInputSerializer, request).validated_data
        acquisition, version = services.acquisition_edit_source(
            actor=actor,
            acquisition_id=acquisition_id,
            data=data,
            if_match=request.headers.get("If-Match"),
        )
        detail = s.AcquisitionDetailSerializer(acquisition, context={"actor": actor}).data
        return ok(
            {"acquisition": detail, "version": version.number},
            headers={"ETag": acquisition.listing.item.etag},
        )

    @extend_schema(
        tags=TAGS,
        summary="Remove an acquisition from the library (its copy stays unless deleteCopy=true)",
        parameters=[OpenApiParameter("deleteCopy", bool, description="Also delete the copy.")],
        responses={204: None, **errors(400, 401, 403, 404, 409)},
    )
    def delete(self, request: Request, acquisition_id: str) -> Response:
        actor = actor_from_request(request)
        raw = request.query_params.get("deleteCopy") or "false"
        if raw not in ("true", "false"):
            raise ValidationFailedError.for_fields({"deleteCopy": "true or false."})
        services.acquisition_remove(
            actor=actor, acquisition_id=acquisition_id, delete_copy=raw == "true"
        )
        return Response(status=204)
