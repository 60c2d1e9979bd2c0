"""The data migration gives every existing listing version 1 from its current snapshot."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from marketplace.models import ListingVersion
from marketplace.services import ScopeSettings, listing_publish
from publishing.tenancy import actor_for

BEFORE = [("marketplace", "0005_editable_references_off_for_hidden_content")]
AFTER = None  # every migration: later tests (and servers they start) expect the full schema


def _migrate(targets) -> None:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets if targets is not None else executor.loader.graph.leaf_nodes())


@pytest.mark.django_db(transaction=True)
def test_existing_listings_get_version_one(editor, org, make_item):
    (listing,) = listing_publish(
        actor=actor_for(editor, org),
        item_type="prompt",
        item_id=make_item(editor, body="Kept {{x}}").pk,
        scopes={"marketplace": ScopeSettings("reference", True, False)},
    )
    try:
        _migrate(BEFORE)  # drops the versions; the listing stays
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM marketplace_listing")
            assert cursor.fetchone() == (1,)
    finally:
        _migrate(AFTER)
    (version,) = ListingVersion.objects.filter(listing_id=listing.pk)
    assert (version.number, version.snapshot_body, version.name) == (1, "Kept {{x}}", listing.name)
    with connection.cursor() as cursor:
        cursor.execute("SELECT version FROM marketplace_listing WHERE id = %s", [listing.pk])
        assert cursor.fetchone() == (1,)
