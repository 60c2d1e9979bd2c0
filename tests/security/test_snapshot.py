"""The matrices' "nothing changed" check sees a change in any column, a new row and a removed one
(``db_snapshot`` reads every row in one statement; a snapshot that missed a change would make every
"refused and wrote nothing" assertion pass vacuously)."""

from __future__ import annotations

import pytest

from contenttypes_app.models import Project
from publishing.models import APIKey, Organization
from tests.factories import OrganizationFactory
from tests.security.world import db_snapshot, snapshot_diff

pytestmark = pytest.mark.django_db


def test_a_changed_column_an_added_row_and_a_removed_row_are_all_seen(org):
    project = Project.objects.create(organization=org, name="P", slug="p")
    before = db_snapshot()
    assert snapshot_diff(before, db_snapshot()) == {}

    Project.objects.filter(pk=project.pk).update(description="changed")
    changed = snapshot_diff(before, db_snapshot())
    assert list(changed) == ["Project"]
    assert "changed" in changed["Project"]["added"][0]

    OrganizationFactory(name="New", slug="new")
    Project.objects.filter(pk=project.pk).delete()
    diff = snapshot_diff(before, db_snapshot())
    assert set(diff) == {"Project", "Organization"}
    assert diff["Project"]["added"] == []
    assert len(diff["Project"]["removed"]) == 1
    assert Organization.objects.count() == 2


def test_the_time_an_api_key_was_last_used_is_not_a_change(org, owner, actor_for_user):
    from publishing import services

    actor = actor_for_user(owner, org)
    key, _secret = services.api_key_create(actor=actor, name="k", role="editor")
    before = db_snapshot()
    APIKey.objects.filter(pk=key.pk).update(last_used_at="2030-01-01T00:00:00Z")
    assert snapshot_diff(before, db_snapshot()) == {}
