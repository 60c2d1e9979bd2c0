"""``GET /api/bulk-jobs/{id}``: a bulk job's progress, for the organization's admins and owners.

Another organization's job answers 404 (the lookup starts from the caller's organization).
"""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from bulkjobs.api.serializers import BulkJobOutputSerializer, bulk_job_status_data
from bulkjobs.selectors import bulk_job_status
from config.responses import ok
from config.schema import enveloped, errors
from publishing.tenancy import actor_from_request


class BulkJobDetailView(APIView):
    @extend_schema(
        tags=["bulk jobs"],
        summary="A bulk job's progress (admin or owner)",
        description=(
            "Jobs are started by the bulk commands with `--async` (`publish_items`, "
            "`unpublish_items`, `publish_content_types`, `publish_content`). `batches` counts "
            "batches by status, `items` what the finished batches did (`changed` means "
            "`action`: published or unpublished), `failures` the first failed items."
        ),
        responses={200: enveloped(BulkJobOutputSerializer), **errors(401, 403, 404)},
    )
    def get(self, request: Request, job_id: str) -> Response:
        actor = actor_from_request(request)
        actor.require_role("admin", "see bulk jobs")
        status = bulk_job_status(job_id=job_id, organization=actor.organization)
        return ok(bulk_job_status_data(status))
