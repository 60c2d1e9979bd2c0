"""The publish locks (config.rows readers) hand back what the ORM would, and lock the rows."""

from __future__ import annotations

import pytest
from django.db import connection, transaction

from marketplace.models import Listing
from marketplace.services.publish import LISTING_LOCKS
from publishing.models import ITEM_MODELS
from publishing.services.items import item_lock
from publishing.tenancy import actor_for
from tests.marketplace.conftest import both_scopes
from tests.marketplace.test_publish_api import publish

pytestmark = pytest.mark.django_db


def field_values(instance) -> dict:
    return {f.attname: getattr(instance, f.attname) for f in type(instance)._meta.concrete_fields}


@pytest.mark.parametrize("kind", ["prompt", "template"])
def test_bare_item_lock_loads_the_same_item_as_the_queryset(editor, org, make_item, kind):
    item = make_item(editor, kind=kind, body="Hello {{name}} from {{org_name}}")
    actor = actor_for(editor, org)
    with transaction.atomic():
        bare = item_lock(actor=actor, kind=kind, item_id=item.pk, with_owner=False)
        full = item_lock(actor=actor, kind=kind, item_id=item.pk)
    assert type(bare) is ITEM_MODELS[kind]
    assert field_values(bare) == field_values(full)
    assert bare.variables == ["name", "org_name"]  # JSON decoded, not text
    assert bare._state.adding is False
    assert bare._state.db == "default"


def test_bare_item_lock_is_scoped_to_the_organization(editor, stranger, other_org, make_item):
    from config.errors import NotFoundError

    item = make_item(editor)
    with pytest.raises(NotFoundError), transaction.atomic():
        item_lock(
            actor=actor_for(stranger, other_org), kind="prompt", item_id=item.pk, with_owner=False
        )


def test_listing_lock_reads_the_listings_as_the_orm_does(editor, make_item, client_for):
    item = make_item(editor, kind="template")
    assert publish(client_for(editor), both_scopes(item.pk, "template")).status_code == 200
    with transaction.atomic():
        locked = LISTING_LOCKS["template"].fetch([[item.pk], ["organization", "marketplace"]])
        orm = {
            listing.pk: listing for listing in Listing.objects.filter(template=item).order_by("pk")
        }
        assert sorted(listing.pk for listing in locked) == sorted(orm)
        for listing in locked:
            assert field_values(listing) == field_values(orm[listing.pk])
        # Only the scopes asked for.
        only = LISTING_LOCKS["template"].fetch([[item.pk], ["marketplace"]])
        assert [listing.scope for listing in only] == ["marketplace"]


def test_listing_lock_takes_row_locks(editor, make_item, client_for):
    item = make_item(editor)
    assert publish(client_for(editor), both_scopes(item.pk)).status_code == 200
    with transaction.atomic():
        LISTING_LOCKS["prompt"].fetch([[item.pk], ["organization", "marketplace"]])
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_locks WHERE locktype = 'relation' AND mode = "
                "'RowShareLock' AND relation = 'marketplace_listing'::regclass "
                "AND pid = pg_backend_pid()"
            )
            assert cursor.fetchone()[0] == 1


@pytest.mark.parametrize("kind", ["prompt", "template"])
def test_batch_item_lock_reads_the_organizations_items_as_the_orm_does(
    editor, org, stranger, other_org, make_item, kind
):
    from marketplace.bulk import BATCH_ITEM_LOCKS

    mine = [make_item(editor, kind=kind, name=f"i{n}") for n in range(3)]
    model = ITEM_MODELS[kind]
    theirs = model.objects.create(organization=other_org, owner=stranger, name="theirs", body="x")
    ids = [item.pk for item in reversed(mine)] + [theirs.pk, "f" * 24]
    with transaction.atomic():
        locked = BATCH_ITEM_LOCKS[kind].fetch([org.pk, ids])
        orm = list(model.objects.filter(organization=org, pk__in=ids).order_by("pk"))
        assert [field_values(item) for item in locked] == [field_values(item) for item in orm]
        assert [item.pk for item in locked] == sorted(item.pk for item in mine)  # id order
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_locks WHERE locktype = 'relation' AND mode = "
                "'RowShareLock' AND relation = %s::regclass AND pid = pg_backend_pid()",
                [model._meta.db_table],
            )
            assert cursor.fetchone()[0] == 1
