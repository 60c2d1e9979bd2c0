"""What one delivery costs the database, and the claim's exclusivity under a real race.

The worker's share is counted in a real procrastinate worker run in this process (its psycopg
pool and the job threads' Django connections), against a real receiver: every statement psycopg
sends is counted, BEGIN and COMMIT included.
"""

from __future__ import annotations

import asyncio
import gc
import threading
import time
from collections import Counter
from collections.abc import Iterator

import psycopg
import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from procrastinate.contrib.django import app

from tests.factories import OrganizationFactory
from tests.webhooks.conftest import wait_for
from webhooks import delivery as delivery_module
from webhooks.delivery import delivery_attempt
from webhooks.events import EventDraft, event_emit, events_emit
from webhooks.models import WebhookAttempt, WebhookDelivery

Status = WebhookDelivery.Status


def _text(query) -> str:
    if isinstance(query, bytes):
        return query.decode()
    if isinstance(query, str):
        return query
    return query.as_string(None)


def _kind(text: str) -> str:
    for marker in ("procrastinate_fetch_job", "procrastinate_finish_job"):
        if marker in text:
            return marker
    if text.startswith(("BEGIN", "COMMIT", "ROLLBACK")):
        return "transaction"
    if text == "":
        return "pool check"  # psycopg_pool's check of a connection it hands out
    if text == "SELECT 1" or text.startswith("SELECT set_config('TimeZone'"):
        # Django's CONN_HEALTH_CHECKS, once per job, or the first job of a thread setting up
        # its new connection instead.
        return "connection check"
    if text.startswith("UPDATE webhooks_webhookdelivery AS d"):
        return "claim"
    if text.startswith("WITH attempt AS"):
        return "record"
    return "other: " + text[:50]


@pytest.fixture
def statements(monkeypatch) -> Counter:
    """Counts every statement psycopg sends, from any thread: (thread, kind)."""
    seen: Counter = Counter()
    lock = threading.Lock()

    def note(query) -> None:
        where = "loop" if threading.current_thread() is threading.main_thread() else "job"
        key = (where, _kind(" ".join(_text(query).split())))
        with lock:
            seen[key] += 1

    sync_execute, async_execute = psycopg.Cursor.execute, psycopg.AsyncCursor.execute
    command = psycopg.BaseConnection._exec_command

    def execute(self, query, *args, **kwargs):
        note(query)
        return sync_execute(self, query, *args, **kwargs)

    async def execute_async(self, query, *args, **kwargs):
        note(query)
        return await async_execute(self, query, *args, **kwargs)

    def exec_command(self, query, *args, **kwargs):  # BEGIN, COMMIT, ROLLBACK
        note(query)
        return command(self, query, *args, **kwargs)

    monkeypatch.setattr(psycopg.Cursor, "execute", execute)
    monkeypatch.setattr(psycopg.AsyncCursor, "execute", execute_async)
    monkeypatch.setattr(psycopg.BaseConnection, "_exec_command", exec_command)
    return seen


@pytest.fixture
def empty_queue(transactional_db) -> Iterator[None]:
    def clear() -> None:
        with connection.cursor() as cursor:
            cursor.execute(
                "TRUNCATE procrastinate_jobs, procrastinate_workers, "
                "procrastinate_periodic_defers CASCADE"
            )

    clear()
    yield
    clear()


def run_worker_until_empty() -> None:
    """A real worker in this process, on the webhooks queue, until no job is left."""

    async def work() -> None:
        async with app.open_async():
            await app.run_worker_async(
                queues=["webhooks"],
                concurrency=2,
                wait=False,
                install_signal_handlers=False,
                listen_notify=False,
            )

    with app.replace_connector(app.connector.get_worker_connector()):
        asyncio.run(work())
    gc.collect()  # the job threads' connections go with their threads


def test_a_successful_delivery_costs_seven_statements_worker_included(
    empty_queue, receiver, make_endpoint, statements, settings
):
    settings.WEBHOOKS_ALLOW_PRIVATE_TARGETS = True
    endpoint = make_endpoint(url=receiver.url)
    count = 10
    with transaction.atomic():
        drafts = [
            EventDraft(endpoint.organization_id, "listing.published", {"n": n})
            for n in range(count)
        ]
        events_emit(drafts)
    statements.clear()
    run_worker_until_empty()
    assert len(receiver.requests) == count
    assert WebhookDelivery.objects.filter(status=Status.SUCCEEDED).count() == count
    seen = dict(statements)
    job = {kind: n for (where, kind), n in seen.items() if where == "job"}
    loop = {kind: n for (where, kind), n in seen.items() if where == "loop"}
    # The job: one claim, one record, Django's check of its connection; nothing else.
    assert job == {"claim": count, "record": count, "connection check": count}, seen
    # procrastinate: one fetch per job and one that finds the queue empty, one finish per job
    # (a periodic task of the queue may have been due: it is a job too), each in autocommit,
    # each with its pool's connection check.
    finished = loop["procrastinate_finish_job"]
    assert count <= finished <= count + 3, seen
    assert loop["procrastinate_fetch_job"] == finished + 1, seen
    assert "transaction" not in loop, seen
    pool_queries = sum(n for kind, n in loop.items() if kind != "pool check")
    assert loop["pool check"] <= pool_queries, seen
    # So a delivery costs 3 + 2 * 2 = 7 statements (22 before: the claim's and the record's
    # transactions, the attempt's get-or-create, procrastinate's BEGIN and COMMIT).


@pytest.mark.django_db
def test_the_delivery_job_itself_sends_two_statements(receiver, make_endpoint, settings):
    settings.WEBHOOKS_ALLOW_PRIVATE_TARGETS = True
    endpoint = make_endpoint(url=receiver.url)
    with transaction.atomic():
        event = event_emit(
            organization_id=endpoint.organization_id, type="listing.published", data={"id": "l"}
        )
    delivery = WebhookDelivery.objects.get(event=event)
    with CaptureQueriesContext(connection) as captured:
        assert delivery_attempt(delivery_id=delivery.pk, attempts_done=0, job_id=1)
    # The claim (UPDATE … RETURNING) and the record (WITH attempt AS (INSERT …) UPDATE …).
    assert [q["sql"].split()[0] for q in captured.captured_queries] == ["UPDATE", "WITH"]
    row = WebhookDelivery.objects.get(pk=delivery.pk)
    assert (row.status, row.attempts, row.last_status_code, row.claimed_job_id) == (
        Status.SUCCEEDED,
        1,
        200,
        None,
    )
    attempt = WebhookAttempt.objects.get(delivery=row)
    assert (attempt.number, attempt.status_code, attempt.response_body) == (1, 200, "ok")
    assert receiver.requests[0].webhook_id == event.pk


def _backend_waits_on_a_lock(pid: int) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT wait_event_type FROM pg_stat_activity WHERE pid = %s", [pid])
        row = cursor.fetchone()
    return bool(row and row[0] == "Lock")


@pytest.mark.django_db(transaction=True)
def test_of_two_jobs_claiming_the_same_attempt_at_once_only_one_gets_it(make_endpoint):
    org = OrganizationFactory()
    make_endpoint(organization=org, url="https://hooks.example.com/x")
    with transaction.atomic():
        event = event_emit(organization_id=org.pk, type="listing.published", data={"id": "l"})
    delivery = WebhookDelivery.objects.get(event=event)
    second: dict = {}

    def rival() -> None:
        from django.db import connection as own

        try:
            second["pid"] = own.cursor().connection.info.backend_pid
            second["claim"] = delivery_module._claim(delivery.pk, 0, job_id=2)
        finally:
            own.close()

    with transaction.atomic():
        first = delivery_module._claim(delivery.pk, 0, job_id=1)
        assert first is not None
        assert first.attempts == 1
        thread = threading.Thread(target=rival)
        thread.start()
        # The rival's UPDATE waits for the first claim's row lock, then finds the attempt taken.
        wait_for(lambda: "pid" in second and _backend_waits_on_a_lock(second["pid"]),
                 timeout=10, what="the rival claim to wait for the row lock")  # fmt: skip
        time.sleep(0.05)
    thread.join(10)
    assert second["claim"] is None
    row = WebhookDelivery.objects.get(pk=delivery.pk)
    assert (row.attempts, row.claimed_job_id) == (1, 1)
    # The claiming job, retried after its worker died, gets the same attempt back, unchanged.
    again = delivery_module._claim(delivery.pk, 0, job_id=1)
    assert again is not None
    assert again.attempts == 1
    assert WebhookDelivery.objects.get(pk=delivery.pk).attempts == 1
