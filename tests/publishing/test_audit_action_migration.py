"""Migration 0006 renames the audit rows already written to ``<app>.<entity>.<verb>``, and back."""

from __future__ import annotations

import importlib

import pytest
from django.db import connection

from publishing.models import AuditEvent

migration = importlib.import_module("publishing.migrations.0006_audit_action_names")
pytestmark = pytest.mark.django_db
OLD = [
    ("contenttypes.publish", {}),
    ("contenttypes.package_version", {"from": "1.0.0", "to": "1.1.0"}),
    ("contenttypes.status", {"from": "draft", "to": "deleted"}),
    ("contenttypes.status", {"from": "deleted", "to": "modified"}),
    ("contenttypes.project.create", {}),
    ("marketplace.listing.publish", {}),
]
NEW = [
    "contenttypes.content_type.publish",
    "contenttypes.content_type.change_package_version",
    "contenttypes.content_type.delete",
    "contenttypes.content_type.restore",
    "contenttypes.project.create",
    "marketplace.listing.publish",
]


def _actions() -> list[str]:
    return list(AuditEvent.objects.order_by("pk").values_list("action", flat=True))


def test_rows_are_renamed_and_the_rename_reverses():
    for action, details in OLD:
        AuditEvent.objects.create(action=action, target_type="x", target_id="1", details=details)
    with connection.schema_editor() as editor:
        migration.forward(None, editor)
    assert _actions() == NEW
    with connection.schema_editor() as editor:
        migration.backward(None, editor)
    assert _actions() == [action for action, _ in OLD]
