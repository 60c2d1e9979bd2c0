"""The batch publish writes plain rows (COPY, one upsert): a constant list of statements per
batch, counted like any query, and rows that read back exactly as the ORM would have written."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from config import bulk_sql
from marketplace import bulk
from marketplace.models import Listing, ListingVersion
from marketplace.services import ScopeSettings
from publishing.models import AuditEvent, PromptVersion
from publishing.tenancy import actor_for
from webhooks.models import Event, WebhookDelivery, WebhookEndpoint

pytestmark = pytest.mark.django_db

# One batch of prompts never published: begin, lock the items, read their listings, insert the
# versions, move the items' pointers, upsert the listings, insert the listing versions, the audit
# rows and the events, select the subscribed endpoints, commit.
STATEMENTS = [
    "SAVEPOINT",
    "SELECT publishing_prompt",
    "SELECT marketplace_listing",
    "INSERT publishing_promptversion",
    "UPDATE publishing_prompt",
    "INSERT marketplace_listing",
    "INSERT marketplace_listingversion",
    "INSERT publishing_auditevent",
    "INSERT webhooks_event",
    "SELECT webhooks_webhookendpoint",
    "RELEASE",
]


def _kind(sql: str) -> str:
    words = sql.replace('"', "").split()
    verb = words[0]
    if verb in ("SAVEPOINT", "RELEASE"):
        return verb
    if verb == "COPY":
        return f"INSERT {words[1]}"  # COPY … FROM STDIN is this batch's insert of many rows
    if verb == "INSERT":
        return f"INSERT {words[2]}"
    if verb == "UPDATE":
        return f"UPDATE {words[1]}"
    if "FROM" not in words:
        return " ".join(words[:2])
    table = words[words.index("FROM") + 1]
    return f"SELECT {table.split('.')[0]}"


def _publish(actor, ids):
    with CaptureQueriesContext(connection) as captured:
        result = bulk.listing_publish_batch(
            actor=actor,
            item_type="prompt",
            item_ids=ids,
            scopes={"organization": ScopeSettings("copy")},
        )
    return result, [_kind(q["sql"]) for q in captured.captured_queries], captured


@pytest.mark.parametrize("size", [1, bulk_sql.COPY_MIN_ROWS - 1, bulk_sql.COPY_MIN_ROWS, 300])
def test_a_batch_runs_the_same_statements_whatever_its_size(org, owner, make_item, size):
    ids = [make_item(owner, name=f"n{i}", body=f"Hello {{{{v{i}}}}}").pk for i in range(size)]
    result, kinds, captured = _publish(actor_for(owner, org), ids)
    assert result.changed == size
    assert kinds == STATEMENTS
    copies = [q["sql"] for q in captured.captured_queries if q["sql"].startswith("COPY")]
    assert len(copies) == (4 if size >= bulk_sql.COPY_MIN_ROWS else 0)
    assert Listing.objects.count() == ListingVersion.objects.count() == size
    audits = AuditEvent.objects.filter(action="marketplace.listing.publish")
    assert audits.count() == Event.objects.filter(type="listing.published").count() == size


@pytest.mark.parametrize("size", [3, bulk_sql.COPY_MIN_ROWS + 5])
def test_rows_read_back_as_the_orm_writes_them(org, owner, make_item, size):
    items = [make_item(owner, name=f"r{i}", body=f"Dear {{{{name}}}} {i}") for i in range(size)]
    WebhookEndpoint.objects.create(
        organization=org, url="https://hooks.example.com/x", event_types=["listing.published"]
    )
    result, _, _ = _publish(actor_for(owner, org), [i.pk for i in items])
    assert result.changed == size
    for item in items:
        version = PromptVersion.objects.get(item=item)
        assert (version.number, version.source, version.label) == (1, "publish", "")
        assert version.variables == ["name"] == item.variables  # JSON, not a JSON string
        assert (version.body, version.content_hash) == (item.body, item.content_hash)
        assert version.author_id == owner.pk
        listing = Listing.objects.get(prompt=item)
        assert listing.snapshot_variables == ["name"]
        assert (listing.version, listing.last_version, listing.item_version) == (1, 1, 1)
        lv = ListingVersion.objects.get(listing=listing)
        assert (lv.number, lv.review, lv.snapshot_variables) == (1, "published", ["name"])
        assert lv.snapshot_body == item.body
        audit = AuditEvent.objects.get(target_id=listing.pk)
        assert audit.details["itemId"] == item.pk
        assert (audit.actor_user_id, audit.organization_id) == (owner.pk, org.pk)
        event = Event.objects.get(data__id=listing.pk)
        assert event.type == "listing.published"
        assert event.occurred_at == audit.created_at
        assert event.data["variables"] == ["name"]
        assert event.data["publishedAt"] is not None
    assert WebhookDelivery.objects.count() == size
    item = items[0]
    item.refresh_from_db()
    assert (item.latest_version, item.latest_version_hash) == (1, item.content_hash)


def test_a_republish_keeps_the_listing_id_and_numbers_the_next_version(org, owner, make_item):
    item = make_item(owner, name="again", body="One {{a}}")
    actor = actor_for(owner, org)
    _publish(actor, [item.pk])
    first = Listing.objects.get(prompt=item)
    item.refresh_from_db()
    item.body = "Two {{a}}"
    item.refresh_derived()
    item.save()
    result, _, _ = _publish(actor, [item.pk])
    assert result.changed == 1
    listing = Listing.objects.get(prompt=item)
    assert listing.pk == first.pk
    assert (listing.version, listing.item_version, listing.snapshot_body) == (2, 2, "Two {{a}}")
    numbers = ListingVersion.objects.filter(listing=listing).values_list("number", flat=True)
    assert list(numbers) == [2, 1]
    assert list(PromptVersion.objects.filter(item=item).values_list("number", flat=True)) == [2, 1]
