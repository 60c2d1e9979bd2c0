"""``GET /api/bulk-jobs/{id}``: admins and owners of the job's organization; others 403/404/401."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.bulkjobs.conftest import make_catalogue, run_queued_batches, start_job
from tests.conftest import error_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def job_id(org, owner, catalogue) -> str:
    job = start_job("publish_items", "--organization", org.slug, "--all", "--batch-size", "3")
    run_queued_batches(job)
    return job


def test_an_admin_sees_the_job(job_id, admin, client_for):
    response = client_for(admin).get(f"/api/bulk-jobs/{job_id}")
    assert response.status_code == 200
    body = response.json()
    assert body["success"] is True
    data = body["data"]
    assert set(data) == {
        "id",
        "kind",
        "action",
        "state",
        "createdBy",
        "options",
        "batchSize",
        "batches",
        "items",
        "failures",
        "createdAt",
        "startedAt",
        "finishedAt",
    }
    assert (data["id"], data["kind"], data["state"]) == (job_id, "publish_items", "succeeded")
    assert data["createdBy"] == "owner@acme.test"
    assert data["options"] == {
        "scopes": {
            "organization": {
                "shareType": None,
                "isContentVisible": None,
                "allowEditableReferences": None,
            }
        }
    }
    assert data["batches"] == {"total": 3, "done": 3, "failed": 0, "running": 0, "pending": 0}
    assert data["items"] == {"total": 8, "changed": 8, "unchanged": 0, "failed": 0, "pending": 0}
    assert data["failures"] == []


def test_an_editor_is_refused(job_id, editor, client_for):
    response = client_for(editor).get(f"/api/bulk-jobs/{job_id}")
    assert response.status_code == 403
    assert error_of(response)["code"] == "FORBIDDEN"


def test_another_organizations_job_is_not_found(job_id, stranger, client_for):
    response = client_for(stranger).get(f"/api/bulk-jobs/{job_id}")
    assert response.status_code == 404
    assert error_of(response)["code"] == "NOT_FOUND"
    assert job_id not in response.content.decode()


def test_unauthenticated_is_401(job_id, anon):
    response = anon.get(f"/api/bulk-jobs/{job_id}")
    assert response.status_code == 401
    assert error_of(response)["code"] == "UNAUTHORIZED"


@pytest.mark.parametrize("bad", ["nope", "bulk_" + "0" * 24, "bulk_" + "G" * 24, "x" * 300])
def test_unknown_or_malformed_ids_are_not_found(db, admin, client_for, bad):
    response = client_for(admin).get(f"/api/bulk-jobs/{bad}")
    assert response.status_code == 404
    assert error_of(response)["code"] == "NOT_FOUND"


def test_the_status_costs_the_same_queries_for_any_job_size(org, owner, admin, client_for):
    make_catalogue(org, owner, prompts=40, templates=0)
    client = client_for(admin)

    def queries_for(batch_size: str) -> int:
        job = start_job(
            "publish_items", "--organization", org.slug, "--all", "--batch-size", batch_size
        )
        run_queued_batches(job)
        with CaptureQueriesContext(connection) as queries:
            assert client.get(f"/api/bulk-jobs/{job}").status_code == 200
        return len(queries)

    assert queries_for("40") == queries_for("2")  # 1 batch and 20 batches
