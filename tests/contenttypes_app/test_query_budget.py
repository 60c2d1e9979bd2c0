"""Publish costs a fixed number of queries, whatever the size of the allow-list."""

from __future__ import annotations

import pytest

from contenttypes_app.models import ContentTypeVersion
from tests.conftest import bearer_client
from tests.contenttypes_app.factories import (
    ComponentFactory,
    LayoutComponentFactory,
    ProjectFactory,
    make_content_type,
    make_package,
    view_schema,
)

pytestmark = pytest.mark.django_db

PUBLISH_BUDGET = 12


def publish_queries(org, owner, owner_actor, size: int, django_assert_max_num_queries) -> int:
    project = ProjectFactory(organization=org)
    layout = LayoutComponentFactory(project=project)
    views = [
        ComponentFactory(project=project, name=f"View{i}", schema=view_schema(f"f{i}"))
        for i in range(size)
    ]
    make_package(owner_actor, project, "1.0.0")
    half = size // 2
    allow_list = [*views[:half], {"id": "rest", "componentIds": [str(v.pk) for v in views[half:]]}]
    ct = make_content_type(owner_actor, project, layout, allow_list, name=f"Type {size}")
    client = bearer_client(owner)
    url = f"/v1/organizations/{org.pk}/projects/{project.pk}/content-types/{ct.pk}/publish"

    with django_assert_max_num_queries(PUBLISH_BUDGET) as captured:
        response = client.post(url)

    assert response.status_code == 200, response.content
    assert ContentTypeVersion.objects.get(definition=ct).version == 1
    assert len(response.json()["schema"]["definitions"]) == size
    return len(captured.captured_queries)


def test_publish_query_count_does_not_grow_with_the_allow_list(
    org, owner, owner_actor, django_assert_max_num_queries
):
    small = publish_queries(org, owner, owner_actor, 5, django_assert_max_num_queries)
    large = publish_queries(org, owner, owner_actor, 200, django_assert_max_num_queries)
    assert small == large <= PUBLISH_BUDGET


def test_a_no_op_publish_is_cheaper_still(world, owner, published, django_assert_max_num_queries):
    with django_assert_max_num_queries(7):
        response = bearer_client(owner).post(world.ct_url(suffix="/publish"))
    assert response.status_code == 200
