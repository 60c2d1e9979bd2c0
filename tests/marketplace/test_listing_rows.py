"""``new_listing`` builds the same instance as ``Listing(**values)``."""

from __future__ import annotations

import datetime as dt

import pytest

from marketplace.models import Listing
from marketplace.services.listing_rows import new_listing

pytestmark = pytest.mark.django_db


def attributes(listing: Listing) -> dict:
    return {k: v for k, v in vars(listing).items() if k not in ("_state", "id")}


def test_the_same_attributes_related_objects_and_state_as_the_keyword_constructor(
    org, editor, make_item
):
    prompt = make_item(editor)
    now = dt.datetime(2026, 12, 3, tzinfo=dt.UTC)
    values = {
        "item_type": "prompt",
        "organization": org,
        "scope": "organization",
        "published_at": now,
    }
    expected = Listing(**values)
    expected.prompt = prompt
    built = new_listing(**values, prompt=prompt)

    assert attributes(built) == attributes(expected)
    assert built.organization is org
    assert built.prompt is prompt
    assert built.organization_id == org.pk
    assert built.prompt_id == prompt.pk
    assert built._state.adding
    assert built._state.db == expected._state.db  # set by the related objects, as there
    assert "search_vector" not in vars(built)  # generated: left deferred, as the constructor does


def test_defaults_made_per_instance_are_not_shared(org):
    first, second = new_listing(organization=org), new_listing(organization=org)
    assert first.pk
    assert second.pk
    assert first.pk != second.pk
    assert first.snapshot_variables == []
    assert first.snapshot_variables is not second.snapshot_variables
