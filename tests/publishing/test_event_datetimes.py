"""``publishing.events.iso`` renders datetimes exactly as the API's ``DateTimeField`` does."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest
from django.utils import timezone
from rest_framework.fields import DateTimeField

from publishing.events import iso, zone_fixed

PARIS = zoneinfo.ZoneInfo("Europe/Paris")
VALUES = [
    dt.datetime(2026, 12, 3, 18, 40, 5, 123456, tzinfo=dt.UTC),
    dt.datetime(2026, 12, 3, 18, 40, tzinfo=dt.UTC),
    dt.datetime(2026, 7, 1, 8, 0, 0, 1, tzinfo=PARIS),
    dt.datetime(2026, 3, 29, 1, 59, tzinfo=dt.timezone(dt.timedelta(hours=-5, minutes=-30))),
    dt.datetime(2026, 12, 3, 18, 40),  # naive: through the field itself
]


@pytest.mark.parametrize("value", VALUES, ids=str)
def test_iso_is_the_fields_output(value):
    assert iso(value) == DateTimeField().to_representation(value)


@pytest.mark.parametrize("value", VALUES[:4], ids=str)
def test_iso_follows_the_active_time_zone(value):
    with timezone.override(PARIS):
        assert iso(value) == DateTimeField().to_representation(value)
        assert not iso(value).endswith("Z")


def test_none_is_none():
    assert iso(None) is None


@pytest.mark.parametrize("zone", [None, PARIS], ids=["default zone", "Paris"])
def test_with_the_zone_fixed_iso_is_still_the_fields_output(zone):
    with timezone.override(zone) if zone else timezone.override(timezone.get_default_timezone()):
        expected = [DateTimeField().to_representation(value) for value in VALUES]
        with zone_fixed():
            assert [iso(value) for value in VALUES] == expected
            assert [iso(value) for value in VALUES] == expected  # from the cache, the same
    with zone_fixed():
        assert iso(VALUES[0]) == DateTimeField().to_representation(VALUES[0])  # zone not kept
