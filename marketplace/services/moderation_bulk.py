"""Moderation in bulk (admin actions over many rows): one transaction per object, so one
refusal skips only that object; a ``BulkOutcome`` counts what was done and what was skipped, and
why."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from config.errors import NotFoundError, ValidationFailedError
from marketplace.errors import ListingModerationError, ReportInvalidStatusError
from marketplace.services.moderation import (
    LISTING_SERVICES,
    REPORT_SERVICES,
    TAKEDOWN_ACTIONS,
    clean_moderation_text,
    clean_reason,
    require_moderator,
)
from publishing.models import User


# --- bulk ----------------------------------------------------------------------------------------
@dataclass
class BulkOutcome:
    """What a bulk action did: the ids done, and the ids skipped grouped by why."""

    action: str
    done: list[str] = field(default_factory=list)
    skipped: dict[str, list[str]] = field(default_factory=dict)

    @property
    def skipped_count(self) -> int:
        return sum(len(ids) for ids in self.skipped.values())

    def skip(self, why: str, object_id: str) -> None:
        self.skipped.setdefault(why, []).append(object_id)

    def summary(self, *, verb: str, noun: str) -> str:
        """``"Approved 2 listings. Skipped 3: status active, needs pending review (2); …"``"""

        def count(n: int) -> str:
            return f"{n} {noun}" if n == 1 else f"{n} {noun}s"

        text = f"{verb} {count(len(self.done))}."
        if self.skipped:
            reasons = "; ".join(
                f"{why} ({len(ids)})"
                for why, ids in sorted(self.skipped.items(), key=lambda kv: (-len(kv[1]), kv[0]))
            )
            text += f" Skipped {self.skipped_count}: {reasons}."
        return text


def _run_many(
    *,
    action: str,
    ids: Iterable[str],
    moderator: User,
    service: Callable[..., object],
    kwargs: dict,
) -> BulkOutcome:
    outcome = BulkOutcome(action=action)
    for object_id in sorted(set(ids)):
        # One transaction per object (each service is atomic): a refusal skips only this one.
        try:
            service(moderator=moderator, **{kwargs["id_name"]: object_id}, **kwargs["extra"])
        except (ListingModerationError, ReportInvalidStatusError) as exc:
            outcome.skip(exc.why, object_id)
        except NotFoundError:  # deleted meanwhile
            outcome.skip("not found", object_id)
        else:
            outcome.done.append(object_id)
    return outcome


def listing_moderate_many(
    *,
    action: str,
    listing_ids: Iterable[str],
    moderator: User,
    reason: str = "",
    notify: bool = True,
) -> BulkOutcome:
    """Apply one moderation action to many listings; invalid ones are skipped and counted.

    Permission and reason are checked once, up front: they fail the whole request, not one row.
    """
    if action not in LISTING_SERVICES:
        raise ValidationFailedError.for_fields({"action": f"Unknown action {action!r}."})
    require_moderator(moderator)
    reason = clean_reason(action, reason)
    extra = {"reason": reason}
    if action in TAKEDOWN_ACTIONS:
        extra["notify"] = notify
    return _run_many(
        action=action,
        ids=listing_ids,
        moderator=moderator,
        service=LISTING_SERVICES[action],
        kwargs={"id_name": "listing_id", "extra": extra},
    )


def report_settle_many(
    *, action: str, report_ids: Iterable[str], moderator: User, note: str
) -> BulkOutcome:
    """Resolve or dismiss many reports; those no longer open are skipped and counted."""
    if action not in REPORT_SERVICES:
        raise ValidationFailedError.for_fields({"action": f"Unknown action {action!r}."})
    require_moderator(moderator)
    note = clean_moderation_text(note, field_name="note", required=True, what="settle a report")
    return _run_many(
        action=action,
        ids=report_ids,
        moderator=moderator,
        service=REPORT_SERVICES[action],
        kwargs={"id_name": "report_id", "extra": {"note": note}},
    )
