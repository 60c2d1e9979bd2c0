"""The plain publish paths agree with the serializers: the input path never accepts what
PublishInputSerializer refuses and returns its validated data when it accepts; the response
entries are PublishedEntrySerializer's, byte for byte."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.test import override_settings
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from marketplace.api.publish_input import plain_publish_input
from marketplace.api.publish_output import published_entries
from marketplace.api.serializers import PublishedEntrySerializer, PublishInputSerializer
from marketplace.services import ScheduleRequest, ScopeSettings, listing_publish
from publishing.tenancy import actor_for
from tests.marketplace.conftest import both_scopes, reference_request

ITEM_ID = "0123456789abcdef01234567"

# Near-valid values: right and wrong types, blanks, whitespace to trim, lengths at the bounds.
texts = st.one_of(
    st.sampled_from(["", " ", "x", " x", "x ", "a\x00b", "\n", "Name", "x" * 200, "x" * 201]),
    st.text(max_size=30),
    st.text(alphabet=" \t\nab", max_size=6),
)
anything = st.one_of(st.none(), st.booleans(), st.integers(), texts, st.lists(st.integers()))
flags = st.one_of(st.booleans(), st.booleans(), anything)
scope = st.fixed_dictionaries(
    {"enabled": flags},
    optional={
        "shareType": st.one_of(st.sampled_from(["copy", "reference"]), texts),
        "isContentVisible": flags,
        "allowEditableReferences": flags,
        "publishAt": st.sampled_from([None, "2030-01-01T00:00:00Z"]),
        "x": anything,
    },
)
metadata = st.one_of(
    st.none(),
    anything,
    st.fixed_dictionaries(
        {}, optional={"name": texts, "description": texts, "usageInformation": texts, "x": texts}
    ),
)
item_ids = st.sampled_from(
    [ITEM_ID, ITEM_ID, ITEM_ID + "\n", " " + ITEM_ID, ITEM_ID.upper(), ITEM_ID[:-1], 7]
)
requests = st.fixed_dictionaries(
    {
        "itemType": st.one_of(st.sampled_from(["prompt", "template"]), anything),
        "itemId": item_ids,
        "scopes": st.one_of(
            st.fixed_dictionaries(
                {}, optional={"organization": scope, "marketplace": scope, "x": scope}
            ),
            anything,
        ),
    },
    optional={"metadata": metadata, "extra": anything},
)


# Mostly valid requests, so that both paths accept often; strings still probe trimming, blanks
# and the length bounds.
valid_scope = st.fixed_dictionaries(
    {"enabled": st.booleans()},
    optional={
        "shareType": st.sampled_from(["copy", "reference"]),
        "isContentVisible": st.booleans(),
        "allowEditableReferences": st.booleans(),
    },
)
valid_requests = st.fixed_dictionaries(
    {
        "itemType": st.sampled_from(["prompt", "template"]),
        "itemId": st.sampled_from([ITEM_ID] * 8 + [ITEM_ID + "\n", " " + ITEM_ID]),
        "scopes": st.fixed_dictionaries(
            {}, optional={"organization": valid_scope, "marketplace": valid_scope}
        ),
    },
    optional={
        "metadata": st.one_of(
            st.none(),
            st.fixed_dictionaries(
                {}, optional={"name": texts, "description": texts, "usageInformation": texts}
            ),
        )
    },
)


def serializer_result(data):
    serializer = PublishInputSerializer(data=data)
    return serializer.validated_data if serializer.is_valid() else None


def same(plain, validated) -> bool:
    # Equal values, and the same key order (JSON dumps keep it).
    return json.dumps(plain) == json.dumps(validated)


@settings(max_examples=1500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(valid_requests, requests))
def test_plain_path_never_accepts_what_the_serializer_refuses(data):
    plain = plain_publish_input(data)
    if plain is not None:
        validated = serializer_result(data)
        assert validated is not None, data
        assert same(plain, validated), (plain, validated)


def test_the_reference_request_takes_the_plain_path():
    for body in (reference_request(ITEM_ID), both_scopes(ITEM_ID, "template")):
        plain = plain_publish_input(body)
        assert plain is not None
        assert same(plain, serializer_result(body))


def test_requests_the_plain_path_leaves_to_the_serializer():
    body = reference_request(ITEM_ID)
    trimmed = {**body, "metadata": {"name": " Padded "}}
    scheduled = both_scopes(ITEM_ID, publishAt="2030-01-01T00:00:00Z")
    nothing_enabled = {**body, "scopes": {"organization": {"enabled": False}}}
    for data in (trimmed, scheduled, nothing_enabled, {**body, "metadata": None} | {"x": 1}):
        assert plain_publish_input(data) is None
    without = {**body, "metadata": None}
    assert same(plain_publish_input(without), serializer_result(without))


@pytest.mark.django_db
@override_settings(MARKETPLACE_REQUIRE_REVIEW=True)
def test_response_entries_are_the_serializers(editor, org, make_item):
    actor = actor_for(editor, org)
    publish_at = timezone.now() + dt.timedelta(days=2)
    cases = [
        {"organization": ScopeSettings("copy")},
        {
            "organization": ScopeSettings("reference", is_content_visible=False),
            "marketplace": ScopeSettings("reference", allow_editable_references=True),
        },
        {
            "marketplace": ScopeSettings(
                "copy",
                schedule=ScheduleRequest(
                    publish_at=publish_at, unpublish_at=publish_at + dt.timedelta(hours=5)
                ),
            )
        },
    ]
    for scopes in cases:
        item = make_item(editor)
        for _ in range(2):  # a new listing, then a republish of it
            listings = listing_publish(
                actor=actor, item_type="prompt", item_id=item.pk, scopes=scopes
            )
            want = PublishedEntrySerializer(listings, many=True).data
            assert json.dumps(published_entries(listings)) == json.dumps(want)
        # and as read back from the database (plain strings, not enum members)
        stored = [type(listing).objects.get(pk=listing.pk) for listing in listings]
        want = PublishedEntrySerializer(stored, many=True).data
        assert json.dumps(published_entries(stored)) == json.dumps(want)
