"""The moderation queue shows scheduled listings and their times, and marks the ones that go
live within 24 hours while still awaiting review."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from marketplace.models import Listing
from tests.marketplace.moderation_helpers import make_listing, make_moderator

pytestmark = pytest.mark.django_db

LISTINGS = reverse("admin:marketplace_listing_changelist")
MARK = "goes live within 24 h, awaits review"


def scheduled(listing: Listing, *, status: str, hours: float) -> Listing:
    at = timezone.now() + dt.timedelta(hours=hours)
    Listing.objects.filter(pk=listing.pk).update(status=status, publish_at=at, published_at=at)
    return Listing.objects.get(pk=listing.pk)


def test_queue_marks_pending_listings_going_live_within_24_hours(org, editor):
    soon = scheduled(make_listing(editor, org, name="Soon"), status="pending_review", hours=3)
    scheduled(make_listing(editor, org, name="Later"), status="pending_review", hours=48)
    approved = scheduled(make_listing(editor, org, name="Approved"), status="scheduled", hours=2)
    client = Client()
    client.force_login(make_moderator())
    html = client.get(LISTINGS).content.decode()
    rows = {
        name: next(row for row in html.split("<tr") if f">{name}<" in row)
        for name in ("Soon", "Later", "Approved")
    }
    assert MARK in rows["Soon"]
    assert MARK not in rows["Later"]
    assert MARK not in rows["Approved"]
    assert "mod-status--scheduled" in html  # the approved one shows as scheduled
    assert html.count("goes live 20") >= 3  # every future publishAt, with its time
    filtered = client.get(f"{LISTINGS}?status__exact=scheduled")
    assert [row.pk for row in filtered.context["cl"].result_list] == [approved.pk]
    page = client.get(reverse("admin:marketplace_listing_change", args=[soon.pk]))
    assert "Publish at" in page.content.decode()
