"""The sharing settings of a listing: what a request states, the defaults of a new listing, and
the rules every combination must obey (the one home of those rules).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from config.errors import ValidationFailedError
from marketplace.models import Listing, ShareType
from marketplace.services.scheduling import NO_CHANGE, ScheduleRequest

SETTING_FIELDS = ("share_type", "is_content_visible", "allow_editable_references")
SETTING_NAMES = {
    "share_type": "shareType",
    "is_content_visible": "isContentVisible",
    "allow_editable_references": "allowEditableReferences",
}
FIELD_BY_NAME = {name: field for field, name in SETTING_NAMES.items()}


@dataclass(frozen=True)
class ScopeSettings:
    """What a publish request states for one scope; ``None`` means "not stated".

    Not stated: an existing listing keeps its own value, a new listing takes
    ``NEW_LISTING_DEFAULTS``. So republishing never changes a setting nobody asked to change (and
    hidden content never becomes visible without an explicit ``is_content_visible=True``).
    """

    share_type: str | None = None
    is_content_visible: bool | None = None
    allow_editable_references: bool | None = None
    # The scope's publishAt / unpublishAt (not a sharing setting: resolved by scheduling).
    schedule: ScheduleRequest = NO_CHANGE


# The settings of a listing being created, for every setting its request does not state.
NEW_LISTING_DEFAULTS = ScopeSettings(
    share_type=ShareType.COPY, is_content_visible=True, allow_editable_references=False
)


def listing_settings_errors(
    *, share_type: str, is_content_visible: bool, allow_editable_references: bool
) -> dict[str, list[str]]:
    """Field errors for a combination of sharing settings that no listing may have.

    The one home of these rules: publish (API and batch) and ``listing_update`` call it on the
    settings a listing would end up with, so every caller answers ``VALIDATION_FAILED`` before
    the database constraint ``listing_editable_only_reference`` is reached.
    """
    errors: dict[str, list[str]] = {}
    if allow_editable_references and share_type != ShareType.REFERENCE:
        errors.setdefault("allowEditableReferences", []).append(
            "Editable references need shareType 'reference'."
        )
    if allow_editable_references and not is_content_visible:
        # Nobody edits what they cannot see: the holder would overwrite a hidden body.
        message = "Editable references need visible content (isContentVisible true)."
        errors.setdefault("allowEditableReferences", []).append(message)
        errors.setdefault("isContentVisible", []).append(message)
    return errors


def resolve_scope_settings(listing: Listing | None, requested: ScopeSettings) -> dict[str, Any]:
    """The settings a (re)published listing takes: what the request states, else what the
    listing has, else (new listing) ``NEW_LISTING_DEFAULTS``."""
    base = NEW_LISTING_DEFAULTS if listing is None else listing
    resolved = {}
    for field in SETTING_FIELDS:
        value = getattr(requested, field)
        resolved[field] = getattr(base, field) if value is None else value
    return resolved


def describe_setting_changes(listing: Listing | None, resolved: dict[str, Any]) -> list[str]:
    """``["isContentVisible false → true"]``: what publishing would change, for dry runs."""

    if listing is None:
        return [_new_listing_description(tuple(resolved[f] for f in SETTING_FIELDS))]
    return [
        f"{SETTING_NAMES[f]} {_text(getattr(listing, f))} → {_text(resolved[f])}"
        for f in SETTING_FIELDS
        if getattr(listing, f) != resolved[f]
    ]


def _text(value: Any) -> str:
    return str(value).lower() if isinstance(value, bool) else str(value)


@lru_cache(maxsize=64)
def _new_listing_description(values: tuple) -> str:
    """The same few lines for every new listing of a batch: built once per set of settings
    (a thousand new listings made it a thirtieth of a batch's Python time)."""
    return "new listing: " + ", ".join(
        f"{SETTING_NAMES[name]} {_text(value)}"
        for name, value in zip(SETTING_FIELDS, values, strict=True)
    )


def settings_refusal(scope_errors: dict[str, list[str]]) -> ValidationFailedError:
    """The 400 for settings that do not go together; the message repeats the fields, for
    callers that show only the message (bulk commands)."""
    message = "; ".join(f"{key}: {' '.join(texts)}" for key, texts in scope_errors.items())
    return ValidationFailedError.for_fields(scope_errors, message)
