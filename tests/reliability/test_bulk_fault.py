"""A bulk publish killed midway (SIGKILL: no cleanup, no summary) leaves whole batches only, and
running it again finishes the job, reporting the batches already done as unchanged.

``publish_items`` commits one transaction per batch of 50 items, each publishing both scopes. The
test starts it as a separate process on 600 items, watches the listing count from here, kills it
once the first batches are committed, then checks the database and runs it again.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import pytest
from django.db import connection, transaction

from marketplace.models import Listing
from publishing import services
from publishing.models import Prompt, PromptVersion, Template, TemplateVersion
from publishing.tenancy import actor_for
from tests.factories import MembershipFactory, OrganizationFactory, UserFactory
from tests.reliability.conftest import BASE_DIR, production_env

PER_TYPE = 300  # prompts and templates each: 6 batches of each type
BATCH = 50
SCOPES = 2
COMMAND = [
    sys.executable,
    "manage.py",
    "publish_items",
    "--organization",
    "bulk-fault",
    "--all",
    "--scope",
    "both",
    "--batch-size",
    str(BATCH),
]


def _listings() -> int:
    return Listing.objects.filter(organization__slug="bulk-fault").count()


def _published_items_per_type() -> dict[str, list[int]]:
    """For each item type: how many listings each of its items has (0 or 2 when whole)."""
    counts = {}
    for model, column in ((Prompt, "prompt_id"), (Template, "template_id")):
        with connection.cursor() as cursor:
            cursor.execute(
                f"""
                SELECT COUNT(l.id) FROM {model._meta.db_table} i
                LEFT JOIN {Listing._meta.db_table} l ON l.{column} = i.id
                WHERE i.organization_id = %s GROUP BY i.id
                """,  # noqa: S608 - table and column names from the models
                [str(model.objects.values_list("organization_id", flat=True).first())],
            )
            counts[model.__name__] = [row[0] for row in cursor.fetchall()]
    return counts


def _assert_no_duplicates() -> None:
    with connection.cursor() as cursor:
        for table, column in (
            (Listing._meta.db_table, "prompt_id"),
            (Listing._meta.db_table, "template_id"),
        ):
            cursor.execute(
                f"SELECT {column}, scope FROM {table} WHERE {column} IS NOT NULL "  # noqa: S608
                f"GROUP BY {column}, scope HAVING COUNT(*) > 1"
            )
            assert cursor.fetchall() == []
        for model in (PromptVersion, TemplateVersion):
            cursor.execute(
                f"SELECT item_id, number FROM {model._meta.db_table} "  # noqa: S608
                "GROUP BY item_id, number HAVING COUNT(*) > 1"
            )
            assert cursor.fetchall() == []


@pytest.fixture
def many_items(transactional_db, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    organization = OrganizationFactory(name="Bulk Fault", slug="bulk-fault")
    owner = UserFactory(email="bulk-owner@fault.test")
    MembershipFactory(user=owner, organization=organization, role="owner")
    actor = actor_for(owner, organization)
    with transaction.atomic():
        for n in range(PER_TYPE):
            services.item_create(
                actor=actor, kind="prompt", data={"name": f"Prompt {n}", "body": "Hi {{name}}"}
            )
            services.item_create(
                actor=actor,
                kind="template",
                data={"name": f"Template {n}", "body": "Hello {{name}}", "type": "email"},
            )
    return organization


def test_a_killed_bulk_publish_leaves_whole_batches_and_a_rerun_completes(many_items):
    env = production_env()
    process = subprocess.Popen(  # noqa: S603 - our interpreter and manage.py
        COMMAND, cwd=BASE_DIR, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    try:
        deadline = time.monotonic() + 120
        # Wait until at least two batches are committed, then kill without warning.
        while _listings() < 2 * BATCH * SCOPES and time.monotonic() < deadline:
            assert process.poll() is None, process.communicate()
            time.sleep(0.02)
        assert process.poll() is None, "the command finished before it could be killed"
        os.kill(process.pid, signal.SIGKILL)
        process.wait(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=30)
        process.stdout.close()
        process.stderr.close()
    assert process.returncode == -signal.SIGKILL

    # The killed backend's open transaction is rolled back by PostgreSQL; give it a moment.
    time.sleep(0.5)
    listings = _listings()
    per_item = _published_items_per_type()
    all_counts = per_item["Prompt"] + per_item["Template"]
    assert set(all_counts) <= {0, SCOPES}, "an item has one scope's listing but not the other's"
    done = sum(1 for count in all_counts if count == SCOPES)
    assert listings == done * SCOPES
    assert done % BATCH == 0, f"{done} items published: not whole batches of {BATCH}"
    assert 2 * BATCH <= done < 2 * PER_TYPE, done  # killed midway
    _assert_no_duplicates()

    rerun = subprocess.run(  # noqa: S603 - our interpreter and manage.py
        [*COMMAND, "--json"],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert rerun.returncode == 0, rerun.stderr
    summary = json.loads(rerun.stdout)["summary"]
    assert summary["selected"] == 2 * PER_TYPE
    assert summary["unchanged"] == done
    assert summary["published"] == 2 * PER_TYPE - done
    assert summary["failed"] == 0
    assert not summary["interrupted"]

    final = _published_items_per_type()
    assert set(final["Prompt"] + final["Template"]) == {SCOPES}
    assert _listings() == 2 * PER_TYPE * SCOPES
    _assert_no_duplicates()
