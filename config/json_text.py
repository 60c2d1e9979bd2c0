"""JSON text for the JSON columns the batch paths write (``COPY`` rows, upsert documents).

orjson (C) instead of the standard library: a batch of 1,000 listings encodes four documents per
listing, and ``json.dumps`` was an eighth of the batch's Python time (py-spy, issue 21). The
output parses to the same values as ``json.dumps`` gives; only the text differs (no spaces,
UTF-8 instead of ``\\u`` escapes), which ``jsonb`` does not keep. ``tests/test_json_text.py``
compares the two.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import orjson
from django.core.serializers.json import DjangoJSONEncoder

_OPTIONS = orjson.OPT_NON_STR_KEYS  # int keys become strings, as with json.dumps


def column_json(value: Any, default: Callable[[Any], Any] | None = None) -> str:
    """``json.dumps(value, default=default)``: datetimes, dates and times in full precision
    (``isoformat``), UUIDs as strings; other types go to ``default``."""
    return orjson.dumps(value, default=default, option=_OPTIONS).decode()


_DJANGO_DEFAULT = DjangoJSONEncoder().default
# What orjson would write itself but DjangoJSONEncoder writes its own way (or refuses) goes to it.
_DJANGO_OPTIONS = _OPTIONS | orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS


def django_json(value: Any) -> str:
    """``json.dumps(value, cls=DjangoJSONEncoder)`` (what a ``JSONField`` with that encoder
    stores): datetimes go to the encoder, which cuts them to milliseconds and writes UTC as
    ``Z``, as do durations, decimals and lazy strings."""
    return orjson.dumps(value, default=_DJANGO_DEFAULT, option=_DJANGO_OPTIONS).decode()
