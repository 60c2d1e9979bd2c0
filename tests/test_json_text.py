"""``config.json_text`` writes what ``json.dumps`` writes, as values: same types, same text for
datetimes and the other values the standard encoders convert (only spacing and escapes differ)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import uuid
from decimal import Decimal

import pytest
from django.core.serializers.json import DjangoJSONEncoder
from django.utils.translation import gettext_lazy

from config.bulk_sql import _json_default
from config.json_text import column_json, django_json
from marketplace.models import ListingStatus
from webhooks.models import Event

AWARE = dt.datetime(2026, 12, 4, 19, 5, 7, 123456, tzinfo=dt.UTC)
PLAIN = {
    "text": 'Grüße — 你好 "quoted" \\ back\nslash\t\u2028',
    "numbers": [0, -1, 2**53, 0.1, 1e-7, 3.0, 0.7],
    "nested": {"list": [None, True, False, {"deep": []}], "empty": {}},
    "enum": ListingStatus.ACTIVE,  # a str subclass, written as its value
    "tuple": (1, "two"),
    1: "an int key",
}
CONVERTED = {
    "aware": AWARE,
    "whole second": AWARE.replace(microsecond=0),
    "naive": dt.datetime(2026, 12, 4, 19, 5, 7, 5),
    "paris": AWARE.astimezone(dt.timezone(dt.timedelta(hours=1))),
    "date": dt.date(2026, 12, 4),
    "time": dt.time(19, 5, 7, 250000),
    "uuid": uuid.UUID("12345678-1234-5678-1234-567812345678"),
    "decimal": Decimal("12.50"),
}


def test_column_json_parses_to_what_json_dumps_writes():
    value = {**PLAIN, **CONVERTED}
    assert json.loads(column_json(value, default=_json_default)) == json.loads(
        json.dumps(value, default=_json_default)
    )
    assert json.loads(column_json(PLAIN)) == json.loads(json.dumps(PLAIN))


def test_django_json_parses_to_what_the_event_field_encoder_writes():
    assert Event._meta.get_field("data").encoder is DjangoJSONEncoder
    value = {**PLAIN, **CONVERTED, "lazy": gettext_lazy("Hello"), "delta": dt.timedelta(hours=2)}
    ours = json.loads(django_json(value))
    assert ours == json.loads(json.dumps(value, cls=DjangoJSONEncoder))
    assert ours["aware"] == "2026-12-04T19:05:07.123Z"  # DjangoJSONEncoder's own form


def test_what_json_dumps_refuses_is_refused():
    @dataclasses.dataclass
    class Point:
        x: int

    with pytest.raises(TypeError):
        django_json({"point": Point(1)})
    with pytest.raises(TypeError):
        column_json({"point": object()}, default=_json_default)
