"""Content-type publishing for operators (``publish_content_types``), one batch at a time.

A batch is one call of the publish core, ``services.publish.content_type_publish_many``, that
the API calls too: the same lock, guards (permission, then status, then validation), versions,
audit rows and signals, in a constant number of queries per batch. This module only states which
types are pending and turns the core's outcome into the command's ``BatchResult``.
"""

from __future__ import annotations

import uuid

from config.batches import BatchResult, ItemFailure
from contenttypes_app.models import ContentTypeDefinition, Project
from contenttypes_app.services.publish import content_type_publish_many
from publishing.tenancy import Actor

Status = ContentTypeDefinition.Status

# What ``--all-pending`` selects: types with changes nobody has published yet. An ``unpublished``
# type was taken down on purpose, so it is republished only on request (``--include-unpublished``).
PENDING_STATUSES = (Status.DRAFT, Status.MODIFIED)


def content_type_publish_batch(
    *, actor: Actor, project: Project, content_type_ids: list[uuid.UUID]
) -> BatchResult:
    """Publish a batch of content types of ``project`` in one transaction.

    Published types are unchanged (a no-op, as in the API) when the actor may publish them; every
    failure (not found, forbidden, deleted, invalid against its package) is reported with the
    code and message the API would answer, and the others go on.
    """
    outcome = content_type_publish_many(
        actor=actor,
        content_type_ids=content_type_ids,
        project_id=project.pk,
        audit_details={"bulk": True},
    )
    return BatchResult(
        changed_ids=[str(definition.pk) for definition in outcome.published],
        unchanged=len(outcome.unchanged),
        failures=[
            ItemFailure(item_id, error.code, error.message)
            for item_id, error in outcome.failures.items()
        ],
    )
