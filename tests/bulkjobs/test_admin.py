"""Bulk jobs in the admin: listed and shown with their batches, never added, changed or deleted."""

from __future__ import annotations

import pytest
from django.test import Client

from bulkjobs.models import BulkJob
from tests.bulkjobs.conftest import run_queued_batches, start_job
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client() -> Client:
    user = UserFactory(email="root@platform.test", is_staff=True, is_superuser=True)
    client = Client()
    client.force_login(user)
    return client


def test_the_admin_shows_a_job_and_its_batches_read_only(org, catalogue, staff_client):
    job_id = start_job("publish_items", "--organization", org.slug, "--all", "--batch-size", "4")
    run_queued_batches(job_id)
    listing = staff_client.get("/admin/bulkjobs/bulkjob/")
    assert listing.status_code == 200
    assert job_id in listing.content.decode()
    page = staff_client.get(f"/admin/bulkjobs/bulkjob/{job_id}/change/")
    assert page.status_code == 200
    body = page.content.decode()
    assert body.count('<td class="field-status">') == 3  # one row per batch
    assert 'name="_save"' not in body  # read-only: no save button
    assert staff_client.get("/admin/bulkjobs/bulkjob/add/").status_code == 403
    response = staff_client.post(f"/admin/bulkjobs/bulkjob/{job_id}/delete/", {"post": "yes"})
    assert response.status_code == 403
    assert BulkJob.objects.filter(pk=job_id).exists()
