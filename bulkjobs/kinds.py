"""What each kind of bulk job runs per batch: the batch service of the synchronous command.

A runner takes the acting member, the job's options (JSON, as the command stored them), the
batch's item type and its ids, and returns the batch service's ``BatchResult``. Runners open no
transaction of their own beyond the batch service's: ``bulk_batch_run`` wraps the call, so the
batch's writes and its counts commit together.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from config.batches import BatchResult
from contenttypes_app.bulk import content_publish_job_batch, content_type_publish_job_batch
from marketplace.bulk import listing_publish_job_batch, listing_unpublish_job_batch
from publishing.tenancy import Actor

Runner = Callable[..., BatchResult]  # (*, actor, options, item_type, item_ids)


@dataclass(frozen=True)
class JobKind:
    verb: str  # what ``changed`` means for this kind: "published", "unpublished"
    run: Runner


KINDS: dict[str, JobKind] = {
    "publish_items": JobKind("published", listing_publish_job_batch),
    "unpublish_items": JobKind("unpublished", listing_unpublish_job_batch),
    "publish_content_types": JobKind("published", content_type_publish_job_batch),
    "publish_content": JobKind("published", content_publish_job_batch),
}


def run_kind(
    kind: str, *, actor: Actor, options: dict[str, Any], item_type: str, item_ids: list
) -> BatchResult:
    return KINDS[kind].run(actor=actor, options=options, item_type=item_type, item_ids=item_ids)
