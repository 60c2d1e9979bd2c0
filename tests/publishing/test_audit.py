"""The one audit helper: registered action names of one pattern, and no audit without its event."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from django.db import transaction

from publishing.models import AuditEvent
from publishing.services import AUDIT_ACTIONS, audit_entry, audit_record
from publishing.services.audit import ACTION_PATTERN, UnknownAuditActionError
from webhooks.events import EVENT_TYPES

ROOT = Path(__file__).resolve().parents[2]
APPS = ("publishing", "marketplace", "contenttypes_app", "webhooks")
# An app prefix and exactly two more lower-case parts (module paths have more, or capitals).
SHAPE = re.compile(r"^(publishing|marketplace|contenttypes)\.[a-z_*]+\.[a-z_*]+$")


def _action_strings() -> list[tuple[str, str]]:
    """Every string in the apps' code that looks like an audit action: a literal, or an f-string
    whose placeholders become ``*`` (``publishing.{item.item_type}.create``)."""
    found = []
    for app in APPS:
        for path in (ROOT / app).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            tree = ast.parse(path.read_text())
            parts = {
                id(part)
                for node in ast.walk(tree)
                if isinstance(node, ast.JoinedStr)
                for part in node.values
            }
            for node in ast.walk(tree):
                if id(node) in parts:
                    continue  # a piece of an f-string: the f-string is checked whole
                if isinstance(node, ast.Constant) and isinstance(node.value, str):
                    text = node.value
                elif isinstance(node, ast.JoinedStr):
                    text = "".join(
                        part.value if isinstance(part, ast.Constant) else "*"
                        for part in node.values
                    )
                else:
                    continue
                if SHAPE.match(text):
                    found.append((f"{path.relative_to(ROOT)}:{node.lineno}", text))
    return found


def test_every_registered_action_follows_app_entity_verb():
    bad = [action for action in AUDIT_ACTIONS if not ACTION_PATTERN.match(action)]
    assert not bad
    assert ACTION_PATTERN.match("contenttypes.content_type.publish")
    assert not ACTION_PATTERN.match("contenttypes.publish")


def test_every_action_string_in_the_code_is_registered():
    strings = _action_strings()
    assert len(strings) > 20  # the walk finds them (literals and f-strings)
    unknown = []
    for where, text in strings:
        pattern = re.compile("^" + re.escape(text).replace(r"\*", "[a-z_]+") + "$")
        if not any(pattern.match(action) for action in AUDIT_ACTIONS):
            unknown.append((where, text))
    assert not unknown


def test_every_registered_event_is_a_known_event_type():
    emitted = {event for event in AUDIT_ACTIONS.values() if event is not None}
    assert emitted <= EVENT_TYPES.keys()
    # Every domain event of the registry is emitted by some audited action, but the test ping
    # and reference.source_updated: the publish core sends that one to every holder of a
    # reference (events_emit), which is no action of theirs to audit.
    assert EVENT_TYPES.keys() - emitted == {"webhook.test", "reference.source_updated"}


def test_an_unregistered_action_is_refused():
    with pytest.raises(UnknownAuditActionError):
        audit_entry(actor=None, action="contenttypes.publish", target_type="x", target_id="1")


@pytest.mark.django_db
def test_an_action_with_an_event_cannot_be_audited_without_it(org):
    with pytest.raises(ValueError, match=r"emits listing\.published"):
        audit_entry(
            actor=None,
            organization=org,
            action="marketplace.listing.publish",
            target_type="listing",
            target_id="l",
        )
    with pytest.raises(ValueError, match="no domain event"):
        audit_entry(
            actor=None,
            organization=org,
            action="marketplace.listing.feature",
            target_type="listing",
            target_id="l",
            event_data={},
        )


@pytest.mark.django_db
def test_audit_record_writes_the_row_and_its_event_at_the_same_time(org):
    from webhooks.models import Event

    with transaction.atomic():
        audit_record(
            actor=None,
            organization=org,
            action="marketplace.listing.update",
            target_type="listing",
            target_id="l1",
            event_data={"id": "l1"},
        )
    event = Event.objects.get()
    assert (event.type, event.organization_id, event.data) == (
        "listing.updated",
        org.pk,
        {"id": "l1"},
    )
    assert event.occurred_at == AuditEvent.objects.get().created_at
