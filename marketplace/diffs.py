"""The change between two listing versions, field by field, as unified diffs (``difflib``).

Hidden content stays hidden: where the caller may not read the listing's content
(``content_visible_to``) the body diff is only ``{"changed": true|false}``; variables are names
only in every case. ``difflib`` is quadratic at worst, so no diff of more than ``DIFF_MAX_BYTES``
of text (both sides, every field) is computed: 413 ``DIFF_TOO_LARGE``.
"""

from __future__ import annotations

import difflib
from typing import Any

from marketplace.errors import DiffTooLargeError
from marketplace.models import ListingVersion

DIFF_MAX_BYTES = 200_000
TEXT_FIELDS = (
    ("name", "name"),
    ("description", "description"),
    ("usageInformation", "usage_information"),
)


def _unified(old: str, new: str, *, field: str, from_n: int, to_n: int) -> str:
    """A unified diff ("" when equal); lines end with a newline so the text concatenates."""
    lines = difflib.unified_diff(
        old.splitlines(),
        new.splitlines(),
        fromfile=f"v{from_n}/{field}",
        tofile=f"v{to_n}/{field}",
        lineterm="",
    )
    return "".join(f"{line}\n" for line in lines)


def listing_version_diff(
    old: ListingVersion, new: ListingVersion, *, content_visible: bool
) -> dict[str, Any]:
    """``{from, to, fields: {name, description, usageInformation, variables, body}}``."""
    texts = [getattr(v, attr) for _, attr in TEXT_FIELDS for v in (old, new)]
    if content_visible:
        texts += [old.snapshot_body, new.snapshot_body]
    size = sum(len(text.encode()) for text in texts)
    if size > DIFF_MAX_BYTES:
        raise DiffTooLargeError(
            f"These versions hold {size} bytes of text; diffs are computed up to "
            f"{DIFF_MAX_BYTES} bytes.",
            details={"bytes": size, "maxBytes": DIFF_MAX_BYTES},
        )
    fields: dict[str, Any] = {
        name: _unified(
            getattr(old, attr), getattr(new, attr), field=name, from_n=old.number, to_n=new.number
        )
        for name, attr in TEXT_FIELDS
    }
    old_vars, new_vars = list(old.snapshot_variables), list(new.snapshot_variables)
    fields["variables"] = {
        "added": [v for v in new_vars if v not in old_vars],
        "removed": [v for v in old_vars if v not in new_vars],
    }
    if content_visible:
        fields["body"] = _unified(
            old.snapshot_body, new.snapshot_body, field="body", from_n=old.number, to_n=new.number
        )
    else:
        fields["body"] = {"changed": old.snapshot_body != new.snapshot_body}
    return {"from": old.number, "to": new.number, "fields": fields}
