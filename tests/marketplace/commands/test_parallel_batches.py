"""``--jobs``: the bulk commands' batches in threads, each one transaction on a connection of its
own, reported in selection order; an interrupt lets the running batches finish and counts them.

The rows are committed (``transaction=True``): the threads read them over their own connections.
"""

from __future__ import annotations

import io
import json
import os
import signal
import subprocess
import sys
import threading
import time

import pytest
from django.core.management import call_command
from django.db import connection, transaction

from marketplace.management.commands import publish_items as command_module
from marketplace.models import Listing
from publishing import services
from publishing.tenancy import actor_for
from tests.dburl import database_url
from tests.marketplace.commands.test_publish_items import run

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def prompts(org, owner, make_item):
    return [make_item(owner, name=f"p{i}") for i in range(9)]


def other_backends() -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        return cursor.fetchone()[0]


def wait_for_backends(expected: int) -> int:
    """Backends end shortly after their connection closes; wait up to 5 s for the count."""
    deadline = time.monotonic() + 5
    while (count := other_backends()) != expected and time.monotonic() < deadline:
        time.sleep(0.05)
    return count


@pytest.fixture
def recorded(monkeypatch):
    """Each batch's thread, backend and ids; the first two batches wait for each other, so the
    test fails unless two really run at once."""
    calls: list[tuple[str, int, tuple[str, ...]]] = []
    together = threading.Barrier(2, timeout=30)
    original = command_module.listing_publish_batch

    def recording(**kwargs):
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            pid = cursor.fetchone()[0]
        calls.append((threading.current_thread().name, pid, tuple(kwargs["item_ids"])))
        if len(calls) <= 2 and threading.current_thread() is not threading.main_thread():
            together.wait()
        return original(**kwargs)

    monkeypatch.setattr(command_module, "listing_publish_batch", recording)
    return calls


def test_batches_run_at_once_on_their_own_connections_and_report_in_selection_order(
    org, prompts, recorded, tmp_path
):
    ids = []
    for n, prompt in enumerate(prompts):
        ids.append(prompt.pk)
        if n % 3 == 1:
            ids.append(f"bad-{n}")  # a failure in most batches, found by the batch that has it
    path = tmp_path / "ids.txt"
    path.write_text("\n".join(ids) + "\n")
    backends = other_backends()
    code, out, _ = run(
        "publish_items", "--organization", org.slug, "--ids-file", str(path),
        "--batch-size", "2", "--jobs", "3", "--json",
    )  # fmt: skip
    data = json.loads(out)
    assert code == 1
    assert data["summary"] | {"seconds": 0, "itemsPerSecond": 0} == {
        "selected": 12, "published": 9, "unchanged": 0, "failed": 3, "seconds": 0,
        "itemsPerSecond": 0, "dryRun": False, "interrupted": False,
    }  # fmt: skip
    assert [f["id"] for f in data["failures"]] == ["bad-1", "bad-4", "bad-7"]
    assert Listing.objects.filter(organization=org).count() == 9
    assert {name.split("_")[0] for name, _, _ in recorded} == {"batch"}
    assert len({pid for _, pid, _ in recorded}) >= 2
    batched = [i for _, _, batch in recorded for i in batch]
    assert sorted(batched) == sorted(ids)  # every id in exactly one batch
    assert wait_for_backends(backends) == backends  # the threads closed their connections


def test_in_a_callers_transaction_the_batches_run_in_it_one_after_the_other(org, prompts, recorded):
    with transaction.atomic():
        call_command(
            "publish_items", "--organization", org.slug, "--all", "--batch-size", "2",
            "--jobs", "4", stdout=io.StringIO(), stderr=io.StringIO(),
        )  # fmt: skip
        assert Listing.objects.filter(organization=org).count() == 9
        transaction.set_rollback(True)
    assert {name for name, _, _ in recorded} == {threading.main_thread().name}
    assert {pid for _, pid, _ in recorded} == {connection.connection.info.backend_pid}
    assert not Listing.objects.filter(organization=org).exists()  # the caller's rollback


def test_an_error_stops_the_run_and_nothing_starts_after_it(org, prompts, monkeypatch):
    calls = []
    original = command_module.listing_publish_batch

    def failing(**kwargs):
        calls.append(kwargs["item_ids"])
        if len(calls) == 2:
            raise RuntimeError("disk on fire")
        return original(**kwargs)

    monkeypatch.setattr(command_module, "listing_publish_batch", failing)
    with pytest.raises(RuntimeError, match="disk on fire"):
        call_command(
            "publish_items", "--organization", org.slug, "--all", "--batch-size", "1",
            "--jobs", "2", stdout=io.StringIO(), stderr=io.StringIO(),
        )  # fmt: skip
    # At most the two running and the one queued when it failed; each other batch is whole.
    assert 2 <= len(calls) <= 4
    assert Listing.objects.filter(organization=org).count() == len(calls) - 1


@pytest.mark.parametrize("args", [["--jobs", "0"], ["--jobs", "17"], ["--jobs", "2", "--async"]])
def test_jobs_usage_errors(org, prompts, args):
    code, _, err = run("publish_items", "--organization", org.slug, "--all", *args)
    assert code == 2, err
    assert "--jobs" in err
    assert not Listing.objects.exists()


BATCH = 10  # 40 batches: the run is still going when the signal comes
ITEMS = 400


def test_an_interrupted_run_finishes_the_running_batches_and_counts_them(org, owner):
    actor = actor_for(owner, org)
    with transaction.atomic():
        for n in range(ITEMS):
            services.item_create(
                actor=actor, kind="prompt", data={"name": f"P{n}", "body": "Hi {{name}}"}
            )
    env = {**os.environ, "DATABASE_URL": database_url(), "DEBUG": "1"}
    env.pop("PYTEST_VERSION", None)
    command = [
        sys.executable, "manage.py", "publish_items", "--organization", org.slug, "--all",
        "--scope", "both", "--batch-size", str(BATCH), "--jobs", "2", "--json",
    ]  # fmt: skip
    process = subprocess.Popen(  # noqa: S603 - our interpreter and manage.py
        command,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 120
        while Listing.objects.filter(organization=org).count() < 2 * BATCH * 2:
            assert process.poll() is None, process.communicate()
            assert time.monotonic() < deadline
            time.sleep(0.02)
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=120)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=30)
    assert process.returncode == 130, err
    summary = json.loads(out)["summary"]
    listings = Listing.objects.filter(organization=org).count()
    assert summary["interrupted"] is True
    assert summary["published"] * 2 == listings  # every committed batch is counted
    assert summary["published"] % BATCH == 0
    assert 2 * BATCH <= summary["published"] < ITEMS
