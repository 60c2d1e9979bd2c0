"""Content-type publishing for operators (``publish_content_types``), one batch at a time.

A batch is one call of the publish core, ``services.publish.content_type_publish_many``, that
the API calls too: the same lock, guards (permission, then status, then validation), versions,
audit rows and signals, in a constant number of queries per batch. This module only states which
types are pending and turns the core's outcome into the command's ``BatchResult``.
"""

from __future__ import annotations

import uuid
from typing import Any

from config.batches import BatchResult, ItemFailure
from config.errors import NotFoundError
from contenttypes_app.models import Content, ContentTypeDefinition, Project
from contenttypes_app.services.content_publish import content_publish_many
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


# --- content items (``publish_content``) -------------------------------------------------------
# What ``publish_content --all-pending`` selects: draft and modified items (unpublished ones were
# taken down on purpose).
CONTENT_PENDING_STATUSES = (Content.Status.DRAFT, Content.Status.MODIFIED)


def content_publish_batch(
    *, actor: Actor, project: Project, content_ids: list[uuid.UUID]
) -> BatchResult:
    """Publish a batch of content items of ``project`` in one transaction through the API's
    publish core (``services.content_publish.content_publish_many``); failures are reported with
    the API's code and message, and the others go on."""
    outcome = content_publish_many(
        actor=actor, content_ids=content_ids, project_id=project.pk, audit_details={"bulk": True}
    )
    return BatchResult(
        changed_ids=[str(item.pk) for item in outcome.published],
        unchanged=len(outcome.unchanged),
        failures=[
            ItemFailure(item_id, error.code, error.message)
            for item_id, error in outcome.failures.items()
        ],
    )


# --- batches of raw ids (an ids file, a bulk job's batch) --------------------------------------
def parse_uuid_ids(ids: list) -> tuple[list[uuid.UUID], list[ItemFailure]]:
    """The ids that are UUIDs, and a ``VALIDATION_FAILED`` failure for each one that is not."""
    valid, invalid = [], []
    for raw in ids:
        try:
            valid.append(raw if isinstance(raw, uuid.UUID) else uuid.UUID(str(raw)))
        except ValueError:
            invalid.append(ItemFailure(str(raw), "VALIDATION_FAILED", "Not a UUID."))
    return valid, invalid


def content_type_publish_id_batch(*, actor: Actor, project: Project, ids: list) -> BatchResult:
    """``content_type_publish_batch`` on raw ids (malformed ones fail, first)."""
    valid, invalid = parse_uuid_ids(ids)
    result = content_type_publish_batch(actor=actor, project=project, content_type_ids=valid)
    result.failures[:0] = invalid
    return result


def content_publish_id_batch(*, actor: Actor, project: Project, ids: list) -> BatchResult:
    """``content_publish_batch`` on raw ids (malformed ones fail, first)."""
    valid, invalid = parse_uuid_ids(ids)
    result = content_publish_batch(actor=actor, project=project, content_ids=valid)
    result.failures[:0] = invalid
    return result


# A bulk job (``--async``) stores the project's id; a batch finds it in the actor's organization.
def project_options(project: Project) -> dict[str, Any]:
    return {"projectId": str(project.pk)}


def _job_project(actor: Actor, options: dict[str, Any]) -> Project:
    project = Project.objects.filter(
        organization=actor.organization, pk=options["projectId"]
    ).first()
    if project is None:
        raise NotFoundError("Project not found.")
    return project


def content_type_publish_job_batch(
    *, actor: Actor, options: dict[str, Any], item_type: str, item_ids: list
) -> BatchResult:
    return content_type_publish_id_batch(
        actor=actor, project=_job_project(actor, options), ids=item_ids
    )


def content_publish_job_batch(
    *, actor: Actor, options: dict[str, Any], item_type: str, item_ids: list
) -> BatchResult:
    return content_publish_id_batch(actor=actor, project=_job_project(actor, options), ids=item_ids)
