"""``content_create`` reads its project, type and type version in one statement and answers the
item it wrote without reading it back: every refusal of that statement, its cost, and that the
answer is what a read gives."""

from __future__ import annotations

import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from contenttypes_app import services
from contenttypes_app.models import Content
from publishing.models import AuditEvent
from tests.conftest import bearer_client
from tests.contenttypes_app.conftest import article, drive
from tests.contenttypes_app.factories import ProjectFactory

pytestmark = pytest.mark.django_db


def post(client, world, type_id, project=None):
    base = f"/v1/organizations/{world.organization.pk}/projects/{(project or world.project).pk}"
    body = {"typeId": str(type_id), "name": "x", "content": article()}
    return client.post(f"{base}/content", body, format="json")


def test_a_type_of_another_project_is_not_found(owner, world, published):
    other = ProjectFactory(organization=world.organization, name="Other", slug="other")
    response = post(bearer_client(owner), world, published.pk, project=other)
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "CONTENT_TYPE_NOT_FOUND"
    assert response.json()["error"]["details"] == {"typeId": str(published.pk)}
    assert not Content.objects.exists()


def test_another_organizations_project_is_not_found(stranger, world, published):
    response = post(bearer_client(stranger), world, published.pk)
    assert response.status_code == 404
    assert not Content.objects.exists()


def test_a_project_that_does_not_exist_is_not_found(owner, world, published):
    base = f"/v1/organizations/{world.organization.pk}/projects/{uuid.uuid4()}"
    body = {"typeId": str(published.pk), "name": "x", "content": article()}
    response = bearer_client(owner).post(f"{base}/content", body, format="json")
    assert response.status_code == 404
    assert response.json()["error"] == {
        "code": "NOT_FOUND",
        "message": "Project not found.",
        "details": {},
    }


def test_a_deleted_type_is_refused(owner, world):
    deleted = drive(world, "deleted_published")
    response = post(bearer_client(owner), world, deleted.pk)
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "INVALID_STATUS"
    assert "deleted" in response.json()["error"]["message"]
    assert not Content.objects.exists()


def test_a_malformed_type_id_reaching_the_service_is_not_found(world, published):
    from config.errors import DomainError

    with pytest.raises(DomainError) as exc:
        services.content_create(
            actor=world.actor, project_id=world.project.pk, type_id="nope", name="x", content={}
        )
    assert (exc.value.status_code, exc.value.code) == (404, "CONTENT_TYPE_NOT_FOUND")
    assert exc.value.details == {"typeId": "nope"}


def test_create_costs_four_statements_and_answers_what_a_read_gives(owner, world, published):
    client = bearer_client(owner)
    post(client, world, published.pk)  # the first loads and compiles the type version's schema
    with CaptureQueriesContext(connection) as captured:
        response = post(client, world, published.pk)
    assert response.status_code == 201, response.content
    statements = [
        q["sql"] for q in captured.captured_queries if "SAVEPOINT" not in q["sql"].upper()
    ]
    # the member, the target (project + type + version), the item, the audit row
    assert len(statements) == 4, "\n".join(q[:90] for q in statements)
    assert AuditEvent.objects.filter(action="contenttypes.content.create").count() == 2
    body = response.json()
    read = client.get(
        f"/v1/organizations/{world.organization.pk}/projects/{world.project.pk}/content/{body['id']}"
    )
    assert read.json() == body
    assert read.headers["ETag"] == response.headers["ETag"]
