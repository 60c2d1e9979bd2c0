"""The admin (read-only windows, actions through the services), demo data and OpenAPI docs."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.urls import reverse

from contenttypes_app.models import (
    Component,
    Content,
    ContentTypeDefinition,
    ContentTypeVersion,
    Package,
    Project,
)
from publishing.demo import DemoContext
from publishing.demo import seed as seed_publishing

pytestmark = pytest.mark.django_db

MODELS = ["project", "component", "package", "contenttypedefinition", "contenttypeversion"]


@pytest.fixture
def staff_owner(owner):
    owner.is_staff = owner.is_superuser = True
    owner.save()
    return owner


@pytest.fixture
def admin_client_for(client, staff_owner):
    client.force_login(staff_owner)
    return client


@pytest.mark.parametrize("model", MODELS)
def test_admin_lists_and_shows_every_model_read_only(admin_client_for, world, published, model):
    changelist = admin_client_for.get(reverse(f"admin:contenttypes_app_{model}_changelist"))
    assert changelist.status_code == 200
    obj = {
        "project": world.project,
        "component": world.views[0],
        "package": world.package,
        "contenttypedefinition": published,
        "contenttypeversion": ContentTypeVersion.objects.get(definition=published),
    }[model]
    change = admin_client_for.get(reverse(f"admin:contenttypes_app_{model}_change", args=[obj.pk]))
    assert change.status_code == 200
    assert b'name="_save"' not in change.content  # nothing to save: read-only
    if model in ("contenttypedefinition", "contenttypeversion"):
        assert b"x-layout" in change.content  # the schema, left out of the list, is shown here
    add = admin_client_for.get(reverse(f"admin:contenttypes_app_{model}_add"))
    assert add.status_code == 403


def test_version_rows_cannot_be_deleted_in_the_admin(admin_client_for, published):
    version = ContentTypeVersion.objects.get(definition=published)
    url = reverse("admin:contenttypes_app_contenttypeversion_delete", args=[version.pk])
    assert admin_client_for.post(url, {"post": "yes"}).status_code == 403
    assert ContentTypeVersion.objects.filter(pk=version.pk).exists()


def test_admin_actions_call_the_services(admin_client_for, world):
    url = reverse("admin:contenttypes_app_contenttypedefinition_changelist")
    response = admin_client_for.post(
        url, {"action": "publish", "_selected_action": [world.content_type.pk]}, follow=True
    )
    assert response.status_code == 200
    assert "Published 1 content type(s)." in response.content.decode()
    assert world.refresh().status == "published"
    response = admin_client_for.post(
        url, {"action": "unpublish", "_selected_action": [world.content_type.pk]}, follow=True
    )
    assert world.refresh().status == "unpublished"
    # A refused transition is reported, not raised.
    response = admin_client_for.post(
        url, {"action": "unpublish", "_selected_action": [world.content_type.pk]}, follow=True
    )
    assert "Cannot unpublish content type with status: unpublished" in response.content.decode()


def test_seed_demo_adds_content_types_in_several_statuses_and_is_idempotent():
    call_command("seed_demo", stdout=io.StringIO())
    counts = (
        Project.objects.count(),
        Component.objects.count(),
        Package.objects.count(),
        ContentTypeDefinition.objects.count(),
        ContentTypeVersion.objects.count(),
    )
    statuses = set(ContentTypeDefinition.objects.values_list("status", flat=True))
    assert statuses == {"draft", "published", "modified", "unpublished", "deleted"}
    call_command("seed_demo", stdout=io.StringIO())
    assert counts == (
        Project.objects.count(),
        Component.objects.count(),
        Package.objects.count(),
        ContentTypeDefinition.objects.count(),
        ContentTypeVersion.objects.count(),
    )
    assert counts == (1, 5, 1, 5, 4)


def test_demo_seed_alone(db):
    from contenttypes_app.demo import seed

    context = DemoContext()
    seed_publishing(context)
    seed(context)
    assert any("content types" in line for line in context.lines)


def test_openapi_documents_every_content_endpoint(anon):
    schema = anon.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    base = "/v1/organizations/{organization_id}/projects/{project_id}"
    ct = f"{base}/content-types/{{id}}"
    expected = {
        "/v1/organizations/{organization_id}/projects": {"get", "post"},
        base: {"get", "put", "delete"},
        f"{base}/components": {"get", "post"},
        f"{base}/components/{{component_id}}": {"get", "put", "delete"},
        f"{base}/packages": {"get", "post"},
        f"{base}/packages/{{version}}": {"get"},
        f"{base}/content-types": {"get", "post"},
        ct: {"get", "put", "delete"},
        f"{ct}/publish": {"post"},
        f"{ct}/unpublish": {"post"},
        f"{ct}/discard": {"post"},
        f"{ct}/status": {"post", "patch"},
        f"{ct}/package-version": {"put"},
        f"{ct}/versions": {"get"},
        f"{ct}/versions/{{version}}": {"get"},
        f"{ct}/rollback": {"post"},
    }
    for path, methods in expected.items():
        assert path in schema["paths"], path
        assert set(schema["paths"][path]) - {"parameters"} == methods, path
    publish = schema["paths"][f"{ct}/publish"]["post"]
    assert {"200", "403", "404", "409", "422"} <= set(publish["responses"])
    output = schema["components"]["schemas"]["ContentTypeOutput"]["properties"]
    assert list(output) == [
        "id",
        "name",
        "description",
        "status",
        "version",
        "lastPublishedVersion",
        "layoutComponentId",
        "componentIdsAllowList",
        "packageVersion",
        "schema",
        "templateContentIds",
        "permissions",
        "metadata",
        "createdAt",
        "updatedAt",
    ]


@pytest.mark.django_db
def test_demo_articles_include_a_template_and_one_locked_to_an_older_type_version():

    call_command("seed_demo", stdout=io.StringIO())
    article = ContentTypeDefinition.objects.get(name="Article")
    items = Content.objects.filter(type=article)
    assert items.count() >= 4
    (template,) = items.filter(is_template=True)
    assert article.template_content_ids == [str(template.pk)]
    assert items.filter(type_version__version__lt=article.last_published_version).exists()


def test_admin_lists_content_by_status_and_shows_versions_read_only(
    admin_client_for, world, published
):
    from contenttypes_app import services as svc
    from tests.contenttypes_app.conftest import article

    item = svc.content_create(
        actor=world.actor,
        project_id=world.project.pk,
        type_id=published.pk,
        name="Admin item",
        content=article(),
    )
    svc.content_publish(actor=world.actor, content_id=item.pk)
    changelist = reverse("admin:contenttypes_app_content_changelist")
    listed = admin_client_for.get(changelist, {"status__exact": "published"})
    assert listed.status_code == 200
    assert b"Admin item" in listed.content
    assert b"Admin item" not in admin_client_for.get(changelist, {"status__exact": "draft"}).content
    change = admin_client_for.get(reverse("admin:contenttypes_app_content_change", args=[item.pk]))
    assert change.status_code == 200
    assert b'name="_save"' not in change.content
    assert b"Content version" in change.content or b"content version" in change.content
    response = admin_client_for.post(
        changelist, {"action": "unpublish", "_selected_action": [str(item.pk)]}, follow=True
    )
    assert b"Unpublished 1 content item(s)." in response.content
    item.refresh_from_db()
    assert item.status == "unpublished"
