"""Listings: an item published to an organization or to the marketplace, as a snapshot."""

from __future__ import annotations

from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVector, SearchVectorField
from django.db import models
from django.db.models import Case, F, Q, Value, When

from config.ids import ObjectIdField, new_object_id
from publishing.models import ImmutableRowError, Organization, Prompt, Template, TemplateType, User


class ItemType(models.TextChoices):
    PROMPT = "prompt", "Prompt"
    TEMPLATE = "template", "Template"


class Scope(models.TextChoices):
    ORGANIZATION = "organization", "Organization"
    MARKETPLACE = "marketplace", "Marketplace"


class ShareType(models.TextChoices):
    COPY = "copy", "Copy"
    REFERENCE = "reference", "Reference"


class ListingStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    PENDING_REVIEW = "pending_review", "Pending review"
    REJECTED = "rejected", "Rejected"
    SUSPENDED = "suspended", "Suspended"
    UNPUBLISHED = "unpublished", "Unpublished"
    # Approved (or needing no review) and waiting for its ``publish_at``. Reads treat it as
    # active from that instant (``marketplace.scheduling_sql.live_q``); a job then stores it.
    SCHEDULED = "scheduled", "Scheduled"


# The statuses browse's partial indexes hold: live listings and those scheduled to go live.
INDEXED_STATUSES = ("active", "scheduled")


class Listing(models.Model):
    """One listing per (item, scope). Republishing updates it in place (same id).

    The ``snapshot_*`` fields hold the item as it was published (its version ``item_version``);
    later edits of the item stay private until it is published again. ``moderation_hold`` is set
    when staff reject or suspend the listing and only staff clear it, so neither republishing nor
    unpublish-then-republish can make such a listing active again.
    """

    id = ObjectIdField(primary_key=True, default=new_object_id)
    item_type = models.CharField(max_length=10, choices=ItemType.choices)
    prompt = models.ForeignKey(
        Prompt, null=True, blank=True, on_delete=models.CASCADE, related_name="listings"
    )
    template = models.ForeignKey(
        Template, null=True, blank=True, on_delete=models.CASCADE, related_name="listings"
    )
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="listings"
    )
    publisher = models.ForeignKey(User, on_delete=models.PROTECT, related_name="listings")
    scope = models.CharField(max_length=20, choices=Scope.choices)
    share_type = models.CharField(max_length=10, choices=ShareType.choices)
    is_content_visible = models.BooleanField(default=True)
    allow_editable_references = models.BooleanField(default=False)

    name = models.CharField(max_length=200)
    description = models.TextField(max_length=2000, blank=True, default="")
    usage_information = models.TextField(max_length=5000, blank=True, default="")

    item_version = models.PositiveIntegerField()
    snapshot_name = models.CharField(max_length=200)
    snapshot_description = models.TextField(blank=True, default="")
    snapshot_body = models.TextField()
    snapshot_variables = models.JSONField(default=list)
    snapshot_temperature = models.FloatField(null=True, blank=True)
    snapshot_type = models.CharField(max_length=20, choices=TemplateType.choices, blank=True)
    snapshot_category = models.CharField(max_length=50, blank=True, default="")

    status = models.CharField(max_length=20, choices=ListingStatus.choices)
    moderation_hold = models.BooleanField(default=False)
    moderation_reason = models.TextField(blank=True, default="")
    moderated_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    moderated_at = models.DateTimeField(null=True, blank=True)
    usage_count = models.PositiveIntegerField(default=0)
    # The number of the ListingVersion the snapshot fields hold. The snapshot is always the
    # latest version (republishing replaces it), so this is also the latest version's number.
    version = models.PositiveIntegerField(default=0)
    # The highest version number allocated (live, pending, rejected or replaced): the next
    # version is this + 1, so numbers stay gap-free when a change waits or is rejected.
    last_version = models.PositiveIntegerField(default=0, db_default=0)
    # A changed snapshot of an active marketplace listing waiting for review (review required):
    # the snapshot fields above stay the live version meanwhile (services/pending_changes.py).
    pending_version = models.ForeignKey(
        "ListingVersion", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    featured = models.BooleanField(default=False)

    # For a ``scheduled`` listing ``published_at`` equals ``publish_at``, so it sorts as new the
    # moment it goes live and browse's index range ``published_at <= now()`` leaves it out before.
    published_at = models.DateTimeField()
    updated_at = models.DateTimeField()
    # The scope's schedule (a listing is one scope): visible from ``publish_at``, gone from
    # ``unpublish_at``, compared with the database clock in every read (docs/marketplace.md).
    publish_at = models.DateTimeField(null=True, blank=True)
    unpublish_at = models.DateTimeField(null=True, blank=True)

    # Full-text search: name > description > usage information > content (only when visible).
    # A generated column, so every writer (API, admin, bulk upserts) keeps it right.
    search_vector = models.GeneratedField(
        expression=(
            SearchVector("name", weight="A", config="english")
            + SearchVector("description", weight="B", config="english")
            + SearchVector("usage_information", weight="C", config="english")
            + SearchVector(
                Case(
                    When(is_content_visible=True, then=F("snapshot_body")),
                    default=Value(""),
                    output_field=models.TextField(),
                ),
                weight="D",
                config="english",
            )
        ),
        output_field=SearchVectorField(),
        db_persist=True,
    )

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(item_type="prompt", prompt__isnull=False, template__isnull=True)
                    | Q(item_type="template", template__isnull=False, prompt__isnull=True)
                ),
                name="listing_exactly_one_item",
            ),
            models.UniqueConstraint(fields=["prompt", "scope"], name="listing_prompt_scope_unique"),
            models.UniqueConstraint(
                fields=["template", "scope"], name="listing_template_scope_unique"
            ),
            models.CheckConstraint(
                condition=Q(allow_editable_references=False) | Q(share_type="reference"),
                name="listing_editable_only_reference",
            ),
            models.CheckConstraint(
                condition=Q(publish_at__isnull=True)
                | Q(unpublish_at__isnull=True)
                | Q(unpublish_at__gt=F("publish_at")),
                name="listing_unpublish_after_publish",
            ),
        ]
        indexes = [
            models.Index(
                fields=["organization", "status", "-published_at"], name="listing_org_status_idx"
            ),
            models.Index(
                fields=["scope", "status", "-published_at"], name="listing_scope_status_idx"
            ),
            # Browse's default order (newest, featured first) over active listings: the first
            # page and keyset cursors read it in order instead of sorting every visible row.
            models.Index(
                fields=["-featured", "-published_at", "-id"],
                condition=Q(status__in=INDEXED_STATUSES),
                name="listing_live_newest_idx",
            ),
            # Browse sorted by popularity and by name (sort=popular, sort=name): without them
            # each page sorted every live listing (0.6-4 s at 1,000,000 listings).
            models.Index(
                fields=["-usage_count", "-published_at", "-id"],
                condition=Q(status__in=INDEXED_STATUSES),
                name="listing_live_popular_idx",
            ),
            models.Index(
                fields=["name", "id"],
                condition=Q(status__in=INDEXED_STATUSES),
                name="listing_live_name_idx",
            ),
            # Browse by template category, in the default order.
            models.Index(
                fields=["snapshot_category", "-featured", "-published_at", "-id"],
                condition=Q(status__in=INDEXED_STATUSES, item_type="template"),
                name="listing_live_category_idx",
            ),
            # The schedule sweep's due transitions: only scheduled listings and those with an end.
            models.Index(
                fields=["publish_at"],
                condition=Q(status="scheduled"),
                name="listing_publish_at_idx",
            ),
            models.Index(
                fields=["unpublish_at"],
                condition=Q(unpublish_at__isnull=False, status__in=INDEXED_STATUSES),
                name="listing_unpublish_at_idx",
            ),
            GinIndex(fields=["search_vector"], name="listing_search_gin"),
        ]
        permissions = [("moderate_listing", "Can moderate marketplace listings")]

    def __str__(self) -> str:
        return f"{self.name} ({self.scope}, {self.status})"

    @property
    def item(self):
        return self.prompt if self.item_type == ItemType.PROMPT else self.template

    @property
    def item_id(self) -> str:
        return self.prompt_id if self.item_type == ItemType.PROMPT else self.template_id


class ReviewState(models.TextChoices):
    """Where a listing version stands with moderators (see services/pending_changes.py)."""

    PUBLISHED = "published", "Published"
    PENDING = "pending", "Pending review"
    REJECTED = "rejected", "Rejected"
    REPLACED = "replaced", "Replaced before review"


class ListingVersionQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise ImmutableRowError("Listing versions are immutable.")

    def settle_review(self, state: str) -> int:
        """Move pending versions to ``state``: the one column that may change, once (the
        database trigger refuses anything else)."""
        if state == ReviewState.PENDING:
            raise ImmutableRowError("A version leaves review; it never goes back to it.")
        return models.QuerySet.update(self.filter(review=ReviewState.PENDING), review=state)

    def delete(self):
        raise ImmutableRowError("Listing versions are immutable; unpublish the listing instead.")


class ListingVersion(models.Model):
    """An immutable snapshot of what a listing published: 1, 2, 3 … per listing, gap-free.

    Written by the publish core (and an edit through a reference) under the listing's row lock,
    only when the snapshot or display metadata changed. ``save`` on an existing row, ``delete``
    and queryset ``update``/``delete`` raise, and a database trigger refuses UPDATE, as for item
    versions; rows go away only with their listing (cascade). The one exception is ``review``:
    a ``pending`` version is settled once (``settle_review``), the trigger allowing nothing else.
    """

    # Indexed by the unique (listing, number).
    listing = models.ForeignKey(
        Listing, on_delete=models.CASCADE, related_name="versions", db_index=False
    )
    number = models.PositiveIntegerField()
    item_version = models.PositiveIntegerField()
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True, default="")
    usage_information = models.TextField(blank=True, default="")
    snapshot_name = models.CharField(max_length=200)
    snapshot_description = models.TextField(blank=True, default="")
    snapshot_body = models.TextField()
    snapshot_variables = models.JSONField(default=list)
    snapshot_temperature = models.FloatField(null=True, blank=True)
    snapshot_type = models.CharField(max_length=20, blank=True, default="")
    snapshot_category = models.CharField(max_length=50, blank=True, default="")
    created_at = models.DateTimeField()
    review = models.CharField(
        max_length=10,
        choices=ReviewState.choices,
        default=ReviewState.PUBLISHED,
        db_default=ReviewState.PUBLISHED,
    )

    objects = ListingVersionQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["listing", "number"], name="listing_version_number_unique"
            ),
            models.UniqueConstraint(
                fields=["listing"],
                condition=Q(review="pending"),
                name="listing_version_one_pending",
            ),
        ]
        ordering = ["-number"]

    def __str__(self) -> str:
        return f"v{self.number} of listing {self.listing_id}"

    def save(self, *args, **kwargs) -> None:
        if not self._state.adding:
            raise ImmutableRowError("Listing versions are immutable.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ImmutableRowError("Listing versions are immutable; unpublish the listing instead.")


class IdempotencyRecord(models.Model):
    """The first response to a request sent with an ``Idempotency-Key``, kept for 24 hours.

    Unique per (caller, key): a retry finds the row and replays the response; a concurrent retry
    finds it still ``in_progress``.
    """

    caller = models.CharField(max_length=64, help_text="user:<id> or key:<uuid>")
    key = models.CharField(max_length=255)
    request_hash = models.CharField(max_length=64)
    in_progress = models.BooleanField(default=True)
    response_status = models.PositiveSmallIntegerField(null=True)
    response_body = models.JSONField(null=True)
    created_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["caller", "key"], name="idempotency_caller_key_unique")
        ]
        indexes = [models.Index(fields=["created_at"], name="idempotency_created_idx")]

    def __str__(self) -> str:
        return f"{self.caller} {self.key}"


class Follow(models.TextChoices):
    LATEST = "latest", "Latest"
    PINNED = "pinned", "Pinned"


class Acquisition(models.Model):
    """An organization's acquisition of a listing: a copy it owns, or a live reference.

    One per (listing, organization): acquiring twice returns the first. A reference follows the
    listing's latest version, or is pinned to one ``ListingVersion`` (``pinned``) and resolves
    from that snapshot until it is moved; copies always "follow latest" (they own their item).
    """

    id = ObjectIdField(primary_key=True, default=new_object_id)
    listing = models.ForeignKey(Listing, on_delete=models.CASCADE, related_name="acquisitions")
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="acquisitions"
    )
    acquired_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="acquisitions")
    type = models.CharField(max_length=10, choices=ShareType.choices)
    is_editable = models.BooleanField(default=False)
    copied_prompt = models.ForeignKey(
        Prompt, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    copied_template = models.ForeignKey(
        Template, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    acquired_at = models.DateTimeField(auto_now_add=True)
    follow = models.CharField(max_length=10, choices=Follow.choices, default=Follow.LATEST)
    pinned = models.ForeignKey(
        ListingVersion, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["listing", "organization"], name="acquisition_listing_org_unique"
            ),
            models.CheckConstraint(
                condition=(
                    Q(follow="latest", pinned__isnull=True)
                    | Q(follow="pinned", pinned__isnull=False, type="reference")
                ),
                name="acquisition_pinned_reference_has_version",
            ),
            models.CheckConstraint(
                condition=Q(is_editable=False) | Q(type="reference"),
                name="acquisition_editable_only_reference",
            ),
        ]
        indexes = [
            models.Index(fields=["organization", "-acquired_at"], name="acquisition_org_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.organization} acquired {self.listing_id} ({self.type})"

    @property
    def copied_item(self):
        return self.copied_prompt or self.copied_template

    @property
    def source(self) -> Listing | ListingVersion:
        """What a reference resolves from: its pinned version, or the listing (the latest)."""
        return self.pinned if self.pinned_id is not None else self.listing

    @property
    def update_available(self) -> bool:
        return self.pinned_id is not None and self.pinned.number < self.listing.version


class ReportReason(models.TextChoices):
    SPAM = "spam", "Spam"
    OFFENSIVE = "offensive", "Offensive"
    COPYRIGHT = "copyright", "Copyright"
    MALICIOUS = "malicious", "Malicious"
    OTHER = "other", "Other"


class ReportStatus(models.TextChoices):
    OPEN = "open", "Open"
    RESOLVED = "resolved", "Resolved"
    DISMISSED = "dismissed", "Dismissed"


class Report(models.Model):
    """A consumer's report of a listing, for moderators. One open report per organization."""

    id = ObjectIdField(primary_key=True, default=new_object_id)
    listing = models.ForeignKey(Listing, on_delete=models.CASCADE, related_name="reports")
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    reporter = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    reason = models.CharField(max_length=20, choices=ReportReason.choices)
    details = models.TextField(max_length=2000, blank=True, default="")
    status = models.CharField(
        max_length=10, choices=ReportStatus.choices, default=ReportStatus.OPEN
    )
    resolved_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolution_note = models.TextField(blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["listing", "organization"],
                condition=Q(status="open"),
                name="report_one_open_per_org",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "-created_at"], name="report_status_idx"),
            models.Index(fields=["listing", "status"], name="report_listing_status_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.reason} report on {self.listing_id} ({self.status})"


class ModerationAction(models.TextChoices):
    APPROVE = "approve", "Approve"
    REJECT = "reject", "Reject"
    SUSPEND = "suspend", "Suspend"
    REINSTATE = "reinstate", "Reinstate"
    FEATURE = "feature", "Feature"
    UNFEATURE = "unfeature", "Unfeature"
    RESOLVE_REPORT = "resolve_report", "Resolve report"
    DISMISS_REPORT = "dismiss_report", "Dismiss report"


class ModerationEvent(models.Model):
    """Append-only history of what moderators did to a listing."""

    listing = models.ForeignKey(Listing, on_delete=models.CASCADE, related_name="moderation_events")
    moderator = models.ForeignKey(User, null=True, on_delete=models.SET_NULL, related_name="+")
    action = models.CharField(max_length=20, choices=ModerationAction.choices)
    from_status = models.CharField(max_length=20, choices=ListingStatus.choices)
    to_status = models.CharField(max_length=20, choices=ListingStatus.choices)
    reason = models.TextField(blank=True, default="")
    report = models.ForeignKey(
        Report, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The number of the listing version the decision judged (a pending change, or the live one).
    version = models.PositiveIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [
            models.Index(fields=["listing", "-created_at"], name="moderation_listing_idx"),
            models.Index(fields=["moderator", "-created_at"], name="moderation_moderator_idx"),
            models.Index(fields=["action", "-created_at"], name="moderation_action_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.action} {self.listing_id}: {self.from_status} -> {self.to_status}"
