"""Reads for listings."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.contrib.postgres.search import SearchQuery, SearchRank
from django.db import connections, transaction
from django.db.models import (
    BooleanField,
    Count,
    Exists,
    F,
    Field,
    Func,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import JSONObject

from config.errors import NotFoundError
from config.ids import validate_object_id
from config.replicas import from_replica, replica_aliases
from marketplace.errors import ListingNotFoundError, ListingVersionNotFoundError
from marketplace.models import (
    Acquisition,
    Listing,
    ListingStatus,
    ListingVersion,
    ReviewState,
    Scope,
)
from marketplace.visibility import live_expression, live_q, with_live
from publishing.models import PublishableItem, TemplateCategory
from publishing.tenancy import Actor


def listing_ids_blocking_item_delete(*, item: PublishableItem) -> list[str]:
    """Ids of the item's listings that are not unpublished: they must be unpublished first."""
    return sorted(
        item.listings.exclude(status=ListingStatus.UNPUBLISHED).values_list("pk", flat=True)
    )


def with_category(queryset: QuerySet[Listing]) -> QuerySet[Listing]:
    """Annotate ``category_info``, the template category's ``{name, displayName, color}``, in the
    same query (null for prompts): listings show the name staff gave a category, not its slug."""
    category = TemplateCategory.objects.filter(name=OuterRef("snapshot_category")).values(
        info=CATEGORY_INFO
    )
    return queryset.annotate(category_info=Subquery(category[:1]))


CATEGORY_INFO = JSONObject(name="name", displayName="display_name", color="color")


def category_infos(names: Iterable[str]) -> dict[str, dict]:
    """``{name: {name, displayName, color}}`` for these category names, in one query (none when
    there are no names): what set-based writers pass to ``category_info``."""
    wanted = {name for name in names if name}
    if not wanted:
        return {}
    rows = TemplateCategory.objects.filter(name__in=wanted).values_list("name", CATEGORY_INFO)
    return dict(rows)


def category_info(listing: Listing, known: dict[str, dict] | None = None) -> dict | None:
    """The listing's category: as ``with_category`` annotated it, else from ``known``
    (``category_infos``), else one lookup. Null for prompts."""
    if hasattr(listing, "category_info"):
        info = listing.category_info
    elif listing.item_type != "template" or not listing.snapshot_category:
        info = None
    else:
        if known is None:
            known = category_infos([listing.snapshot_category])
        info = known.get(listing.snapshot_category)
    # jsonb orders keys its own way; answer in the documented order.
    return None if info is None else {key: info[key] for key in ("name", "displayName", "color")}


def listing_list_published_by(
    *,
    actor: Actor,
    scope: str | None = None,
    status: str | None = None,
    item_type: str | None = None,
) -> QuerySet[Listing]:
    """The listings of the actor's organization, every status, newest first."""
    queryset = Listing.objects.filter(organization=actor.organization)
    if scope:
        queryset = queryset.filter(scope=scope)
    if status:
        queryset = queryset.filter(status=status)
    if item_type:
        queryset = queryset.filter(item_type=item_type)
    # The waiting change (review of only the change) in the same query.
    return with_live(with_category(queryset.select_related("pending_version"))).order_by(
        "-updated_at", "-pk"
    )


def listing_get_own(*, actor: Actor, listing_id: str) -> Listing:
    validate_object_id(listing_id)
    queryset = Listing.objects.filter(pk=listing_id, organization=actor.organization)
    listing = with_live(queryset).first()
    if listing is None:
        raise ListingNotFoundError()
    return listing


# --- consumer side ------------------------------------------------------------------------------
def listing_visible_queryset(*, actor: Actor) -> QuerySet[Listing]:
    """Listings the actor may see: live at the database's now (``marketplace.visibility``), and
    either on the marketplace or in its organization.

    Everything else must answer 404 exactly like a listing that does not exist.
    """
    return Listing.objects.filter(
        Q(scope=Scope.MARKETPLACE) | Q(scope=Scope.ORGANIZATION, organization=actor.organization),
        live_q(),
    )


def with_consumer_fields(queryset: QuerySet[Listing], *, actor: Actor) -> QuerySet[Listing]:
    """Join the publisher and annotate ``is_acquired`` for the actor's organization (no N+1)."""
    acquired = Acquisition.objects.filter(listing=OuterRef("pk"), organization=actor.organization)
    return with_live(with_category(queryset.select_related("publisher", "organization"))).annotate(
        is_acquired=Exists(acquired)
    )


def content_visible_to(listing: Listing, actor: Actor) -> bool:
    """The one rule for hidden content: visible listings, or the publishing organization."""
    return listing.is_content_visible or listing.organization_id == actor.organization.pk


@dataclass(frozen=True)
class BrowseParams:
    filter: str = "all"
    item_type: str | None = None
    category: str | None = None  # a template category's name: templates only
    q: str | None = None
    sort: str = "newest"
    cursor: tuple | None = None


SORT_KEYS: dict[str, tuple[str, ...]] = {
    # Each ends with the primary key so the order is total (keyset pagination needs that).
    "newest": ("-featured", "-published_at", "-id"),
    "popular": ("-usage_count", "-published_at", "-id"),
    "name": ("name", "id"),
}


# Relevance ranking reads every candidate's search vector, so it ranks at most this many matches.
RELEVANCE_CANDIDATES = 1000


def _search_query(q: str) -> SearchQuery:
    return SearchQuery(q, search_type="websearch", config="english")


def listing_browse_matches(*, actor: Actor, params: BrowseParams) -> QuerySet[Listing]:
    """The visible listings that match the filter, item type and ``q``, in no order: what page
    totals count."""
    queryset = listing_visible_queryset(actor=actor)
    if params.filter == "organization":
        queryset = queryset.filter(scope=Scope.ORGANIZATION)
    elif params.filter == "marketplace":
        queryset = queryset.filter(scope=Scope.MARKETPLACE)
    if params.item_type:
        queryset = queryset.filter(item_type=params.item_type)
    if params.category:
        queryset = queryset.filter(item_type="template", snapshot_category=params.category)
    if params.q:
        queryset = queryset.filter(search_vector=_search_query(params.q))
    return queryset


# A search for a word few listings contain: PostgreSQL estimates thousands of matches for a word
# outside its statistics, so for "newest first, 20 rows" it walks the newest-first index and
# filters on the search vector, reading every live listing when there are only five (5-9 s at 1M
# listings, docs/benchmarks.md). So a search first reads the ids of at most FEW_MATCHES + 1
# matches, unordered, through the GIN index (milliseconds whatever the word's frequency); when
# there are no more than FEW_MATCHES, the page is sorted from those rows alone.
FEW_MATCHES = RELEVANCE_CANDIDATES


def few_match_ids(matches: QuerySet[Listing]) -> list[str] | None:
    """The ids of ``matches`` when there are at most ``FEW_MATCHES`` of them, else None.

    With sequential scans off for this one statement: sure of finding FEW_MATCHES + 1 matches
    early, PostgreSQL would otherwise scan the table for them, half of it for a word of middling
    frequency (0.5 s at 1.5M listings); through the GIN index the cost stays bounded."""
    alias = matches.db
    connection = connections[alias]
    outer = connection.in_atomic_block
    # SET LOCAL, in a transaction of its own: safe behind PgBouncer's transaction pooling.
    with transaction.atomic(using=alias), connection.cursor() as cursor:
        cursor.execute(_SEQSCAN_OFF)
        previous = cursor.fetchone()[0]
        ids = list(matches.order_by().values_list("pk", flat=True)[: FEW_MATCHES + 1])
        if outer:  # the caller's transaction goes on: give it back its setting
            cursor.execute("SELECT set_config('enable_seqscan', %s, true)", [previous])
    return ids if len(ids) <= FEW_MATCHES else None


# The setting as it was, then off until the transaction ends (the CTE is read first).
_SEQSCAN_OFF = (
    "WITH previous AS MATERIALIZED (SELECT current_setting('enable_seqscan') AS value) "
    "SELECT value, set_config('enable_seqscan', 'off', true) FROM previous"
)


def listing_browse(*, actor: Actor, params: BrowseParams) -> QuerySet[Listing]:
    matches = listing_browse_matches(actor=actor, params=params)
    if params.q:
        few = few_match_ids(matches)
        if few is not None:
            # The same conditions still apply (a listing unpublished since is not shown).
            matches = matches.filter(pk__in=few)
    if params.q and params.sort == "relevance":
        # Ranking a word found in 100,000 listings would read 100,000 rows. Rank the
        # RELEVANCE_CANDIDATES newest matches instead (read in index order): exactly the same
        # result whenever there are no more matches than that, and a bounded cost when there are.
        candidates = (_from_the_clock(matches).order_by(*SORT_KEYS["newest"]).values("pk"))[
            :RELEVANCE_CANDIDATES
        ]
        rank = SearchRank(F("search_vector"), _search_query(params.q))
        return (
            with_consumer_fields(Listing.objects.filter(pk__in=candidates), actor=actor)
            .annotate(rank=rank)
            .order_by("-rank", "-published_at", "-id")
        )
    queryset = with_consumer_fields(matches, actor=actor)
    keys = SORT_KEYS.get(params.sort, SORT_KEYS["newest"])
    if params.cursor is not None:
        queryset = queryset.filter(keyset_after(keys, params.cursor))
    elif keys == SORT_KEYS["newest"]:
        queryset = _from_the_clock(queryset)
    return queryset.order_by(*keys)


def _from_the_clock(queryset: QuerySet[Listing]) -> QuerySet[Listing]:
    """``featured IN (true, false)`` on the browse indexes' leading column: with it, live_q's
    ``published_at <= now()`` is an index range per featured value and the scan stays ordered,
    so the scheduled listings (which sort first, their published_at being ahead) are never read.

    Not with a cursor: PostgreSQL 15 plans the two together poorly (docs/benchmarks.md), and
    the cursor's row comparison already starts the range past the scheduled rows once it is among
    the unfeatured listings (a visible row's published_at is not ahead). Only the few pages that
    end among the featured ones walk over the scheduled index entries (in the index, no heap).
    """
    return queryset.filter(featured__in=[True, False])


class _Row(Func):
    """``ROW(a, b, …)``: a row value, for comparing several columns at once."""

    function = "ROW"
    output_field = Field()


class _RowBefore(Func):
    """``ROW(…) < ROW(…)`` (or ``>``): true when the left row sorts strictly before the right."""

    template = "%(expressions)s"
    output_field = BooleanField()

    def __init__(self, lhs: _Row, rhs: _Row, *, descending: bool) -> None:
        super().__init__(lhs, rhs)
        self.arg_joiner = " < " if descending else " > "


def keyset_after(keys: tuple[str, ...], values: tuple) -> Q | _RowBefore:
    """Rows strictly after ``values`` in the order ``keys`` (``-`` = descending).

    When every key has the same direction (all of ``SORT_KEYS`` do) this is one row comparison,
    ``(a, b, id) < (x, y, z)``, which PostgreSQL turns into an index range on a matching index:
    a page 10,000 deep costs what the first page costs. Mixed directions fall back to
    ``(a > x) OR (a = x AND b > y) OR …``, which is correct but filters from the start.
    """
    directions = {key.startswith("-") for key in keys}
    if len(directions) == 1:
        fields = [F(key.lstrip("-")) for key in keys]
        return _RowBefore(
            _Row(*fields), _Row(*(Value(v) for v in values)), descending=directions.pop()
        )
    condition = Q(pk__in=[])
    equal = Q()
    for key, value in zip(keys, values, strict=True):
        field = key.lstrip("-")
        lookup = "lt" if key.startswith("-") else "gt"
        condition |= equal & Q(**{f"{field}__{lookup}": value})
        equal &= Q(**{field: value})
    return condition


def cursor_values(listing: Listing, sort: str) -> list:
    return [getattr(listing, key.lstrip("-")) for key in SORT_KEYS[sort]]


def listing_get_visible(*, actor: Actor, listing_id: str) -> Listing:
    """A listing as a consumer sees it; the publishing organization also sees its own in any
    status. Anything else is 404."""
    validate_object_id(listing_id)
    queryset = Listing.objects.filter(
        (live_q() & Q(scope=Scope.MARKETPLACE)) | Q(organization=actor.organization),
        pk=listing_id,
    )
    listing = with_consumer_fields(queryset, actor=actor).first()
    if listing is None:
        raise ListingNotFoundError()
    return listing


def listing_get_visible_replicated(*, actor: Actor, listing_id: str) -> Listing:
    """``listing_get_visible`` from a replica, except for the actor's own organization: a
    publisher sees what they just published (the primary), everyone else may be a moment
    behind. A listing the replica does not have yet is looked up on the primary too."""
    if not replica_aliases():
        return listing_get_visible(actor=actor, listing_id=listing_id)

    def read() -> Listing | None:
        try:
            return listing_get_visible(actor=actor, listing_id=listing_id)
        except ListingNotFoundError:
            return None

    listing = from_replica(read)
    if listing is None or listing.organization_id == actor.organization.pk:
        return listing_get_visible(actor=actor, listing_id=listing_id)
    return listing


def acquisition_list(*, actor: Actor) -> QuerySet[Acquisition]:
    return (
        Acquisition.objects.filter(organization=actor.organization)
        .annotate(listing_live=live_expression("listing__"))
        .select_related(
            "listing", "listing__organization", "pinned", "copied_prompt", "copied_template"
        )
        .order_by("-acquired_at", "-pk")
    )


def acquisition_get(*, actor: Actor, acquisition_id: str) -> Acquisition:
    validate_object_id(acquisition_id)
    acquisition = acquisition_list(actor=actor).filter(pk=acquisition_id).first()
    if acquisition is None:
        raise NotFoundError("Acquisition not found.")
    acquisition.listing.is_live = acquisition.listing_live  # for require_available
    return acquisition


# --- listing versions ----------------------------------------------------------------------------
def _versions(listing: Listing, published_only: bool) -> QuerySet[ListingVersion]:
    """A listing's versions; other organizations only ever see the ``published`` ones (a change
    waiting for review, rejected or replaced is the publisher's own business)."""
    versions = ListingVersion.objects.filter(listing=listing)
    return versions.filter(review=ReviewState.PUBLISHED) if published_only else versions


def listing_version_list(
    *, listing: Listing, published_only: bool = True
) -> QuerySet[ListingVersion]:
    """A listing's versions, newest first (the caller has checked it may see the listing)."""
    return _versions(listing, published_only).order_by("-number")


def listing_version_get(
    *, listing: Listing, number: int, published_only: bool = True
) -> ListingVersion:
    version = _versions(listing, published_only).filter(number=number).first()
    if version is None:
        raise ListingVersionNotFoundError(details={"listingId": listing.pk, "version": number})
    return version


def listing_version_pair(
    *, listing: Listing, from_number: int, to_number: int, published_only: bool = True
) -> tuple[ListingVersion, ListingVersion]:
    """Both ends of a diff in one query; 404 naming the first number that does not exist."""
    found = {
        v.number: v
        for v in _versions(listing, published_only).filter(number__in={from_number, to_number})
    }
    for number in (from_number, to_number):
        if number not in found:
            raise ListingVersionNotFoundError(details={"listingId": listing.pk, "version": number})
    return found[from_number], found[to_number]


def listing_usage(*, listing: Listing) -> dict:
    """Acquisitions of the listing by kind, counts only (one grouped query)."""
    rows = (
        Acquisition.objects.filter(listing=listing)
        .values_list("type", "follow", "pinned__number")
        .annotate(count=Count("pk"))
        .order_by("type", "follow", "pinned__number")
    )
    usage = {"copies": 0, "referencesFollowing": 0, "referencesPinned": []}
    for kind, follow, number, count in rows:
        if kind == "copy":
            usage["copies"] += count
        elif follow == "latest":
            usage["referencesFollowing"] += count
        else:
            usage["referencesPinned"].append({"version": number, "count": count})
    usage["usageCount"] = (
        usage["copies"]
        + usage["referencesFollowing"]
        + sum(p["count"] for p in usage["referencesPinned"])
    )
    return usage
