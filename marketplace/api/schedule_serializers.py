"""Shapes of listing schedules (issue 19): the help of ``publishAt`` / ``unpublishAt``, what a
request states about them, and the status as of the read."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from marketplace.models import Listing, ListingStatus
from marketplace.services import UNSET, ScheduleRequest

PUBLISH_AT_HELP = (
    "When this scope's listing goes live (ISO 8601 with a UTC offset; in the future, at most a "
    "year ahead). Until then it shows status `scheduled` to its organization and is invisible to "
    "everyone else. Omitted: an existing listing keeps its time; null clears it (live now)."
)
UNPUBLISH_AT_HELP = (
    "When this scope's listing stops being visible (after publishAt; in the future, at most a "
    "year ahead). Omitted: kept; null clears it."
)


def schedule_from(data: dict[str, Any]) -> ScheduleRequest:
    """The stated times: an absent key keeps the listing's time, null clears it."""
    return ScheduleRequest(
        publish_at=data.get("publishAt", UNSET), unpublish_at=data.get("unpublishAt", UNSET)
    )


class CurrentStatusField(serializers.ChoiceField):
    """The listing's status as of the read (``marketplace.visibility.current_status``): a due
    ``scheduled`` listing already shows ``active``, before the job stores it."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(choices=ListingStatus.choices, source="*", **kwargs)

    def to_representation(self, listing: Listing) -> str:
        from marketplace.visibility import current_status

        return current_status(listing)
