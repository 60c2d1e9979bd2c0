"""ObjectId-style identifiers: 24 hex characters, a 4-byte timestamp then 8 random bytes.

They sort by creation time, which keeps b-tree inserts at the right edge and makes ``ORDER BY id``
a cheap "newest" order.
"""

from __future__ import annotations

import os
import re
import time

from django.db import models

OBJECT_ID_RE = re.compile(r"^[0-9a-f]{24}$")


def new_object_id() -> str:
    return int(time.time()).to_bytes(4, "big").hex() + os.urandom(8).hex()


def is_object_id(value: object) -> bool:
    return isinstance(value, str) and bool(OBJECT_ID_RE.match(value))


class ObjectIdField(models.CharField):
    """Primary-key friendly CharField holding a 24-hex ObjectId."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("max_length", 24)
        kwargs.setdefault("editable", False)
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        kwargs.pop("max_length", None)
        kwargs.pop("editable", None)
        return name, path, args, kwargs


def validate_object_id(value: object, field: str = "id") -> str:
    """Return ``value`` if it is an ObjectId, else raise 400 ``VALIDATION_FAILED`` for ``field``."""
    from config.errors import ValidationFailedError

    if not is_object_id(value):
        raise ValidationFailedError.for_fields({field: "Must be a 24-character lowercase hex id."})
    return value  # type: ignore[return-value]
