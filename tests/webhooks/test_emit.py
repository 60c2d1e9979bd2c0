"""event_emit: one event, one delivery per subscribed endpoint, jobs in the same transaction."""

from __future__ import annotations

import json

import pytest
from django.db import connection, transaction

from tests.factories import OrganizationFactory
from webhooks.events import EVENT_TYPES, UnknownEventTypeError, event_emit
from webhooks.models import Event, WebhookDelivery, WebhookEndpoint
from webhooks.queue import defer_deliveries

pytestmark = pytest.mark.django_db


def deliver_jobs() -> list[dict]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT args, queue_name, status FROM procrastinate_jobs "
            "WHERE task_name = 'webhooks.deliver' ORDER BY id"
        )
        # Django's psycopg setup hands jsonb back as text.
        rows = cursor.fetchall()
    return [
        {"args": json.loads(a) if isinstance(a, str) else a, "queue": q, "status": s}
        for a, q, s in rows
    ]


def endpoints(org, n: int, event_types=("*",)) -> list[WebhookEndpoint]:
    return [
        WebhookEndpoint.objects.create(
            organization=org, url=f"https://hooks.example.com/{i}", event_types=list(event_types)
        )
        for i in range(n)
    ]


@pytest.mark.parametrize("count", [1, 15])
def test_emit_costs_the_same_queries_whatever_the_number_of_endpoints(
    count, django_assert_max_num_queries
):
    org = OrganizationFactory()
    endpoints(org, count)
    # The event, the endpoints, and one statement for the deliveries and their jobs.
    with transaction.atomic(), django_assert_max_num_queries(3):
        event = event_emit(organization_id=org.pk, type="listing.published", data={"id": "x"})
    assert WebhookDelivery.objects.filter(event=event).count() == count
    jobs = deliver_jobs()
    assert len(jobs) == count
    assert {j["queue"] for j in jobs} == {"webhooks"}
    assert sorted(j["args"]["delivery_id"] for j in jobs) == sorted(
        WebhookDelivery.objects.values_list("pk", flat=True)
    )
    assert {j["args"]["attempts_done"] for j in jobs} == {0}


def test_delivery_jobs_queued_in_sql_match_those_of_procrastinate_s_python_api():
    org = OrganizationFactory()
    endpoints(org, 2)
    with transaction.atomic():
        event = event_emit(organization_id=org.pk, type="listing.published", data={})
        first, second = WebhookDelivery.objects.filter(event=event).order_by("endpoint_id")
        defer_deliveries([(first.pk, 0)])  # what a redelivery or a retry defers
    columns = (
        "queue_name, task_name, priority, lock, queueing_lock, args, scheduled_at, status, "
        "attempts, abort_requested, worker_id"
    )
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {columns} FROM procrastinate_jobs ORDER BY id"  # noqa: S608 - constants
        )
        from_sql_first, from_sql_second, from_python = cursor.fetchall()
    assert from_sql_first == from_python
    # In delivery order: the endpoints' id order.
    args = [job[5] for job in (from_sql_first, from_sql_second)]
    args = [json.loads(a) if isinstance(a, str) else a for a in args]
    assert [a["delivery_id"] for a in args] == [first.pk, second.pk]


def test_emit_with_no_endpoint_writes_only_the_event(django_assert_max_num_queries):
    org = OrganizationFactory()
    with transaction.atomic(), django_assert_max_num_queries(2):
        event = event_emit(organization_id=org.pk, type="listing.updated", data={})
    assert event.pk.startswith("evt_")
    assert len(event.pk) == 28
    assert deliver_jobs() == []


def test_a_rollback_removes_the_event_its_deliveries_and_their_jobs():
    org = OrganizationFactory()
    endpoints(org, 2)

    def failing_change() -> None:
        with transaction.atomic():
            event_emit(organization_id=org.pk, type="listing.published", data={})
            raise RuntimeError("the change failed")

    with pytest.raises(RuntimeError, match="the change failed"):
        failing_change()
    assert Event.objects.count() == 0
    assert WebhookDelivery.objects.count() == 0
    assert deliver_jobs() == []


def test_only_enabled_endpoints_subscribed_to_the_type_of_that_organization_get_a_delivery():
    org, other = OrganizationFactory(), OrganizationFactory()
    (wildcard,) = endpoints(org, 1)
    (subscribed,) = endpoints(org, 1, ["listing.published", "listing.updated"])
    endpoints(org, 1, ["acquisition.created"])
    (disabled,) = endpoints(org, 1)
    disabled.enabled = False
    disabled.save()
    endpoints(other, 1)
    with transaction.atomic():
        event = event_emit(organization_id=org.pk, type="listing.published", data={})
    got = set(WebhookDelivery.objects.filter(event=event).values_list("endpoint_id", flat=True))
    assert got == {wildcard.pk, subscribed.pk}


def test_emit_outside_a_transaction_is_refused():
    org = OrganizationFactory()
    # pytest-django wraps the test in a transaction; leave it to see what a caller outside sees.
    connection.in_atomic_block, saved = False, connection.in_atomic_block
    try:
        with pytest.raises(RuntimeError, match="inside the transaction"):
            event_emit(organization_id=org.pk, type="listing.published", data={})
    finally:
        connection.in_atomic_block = saved


def test_unknown_event_types_are_refused():
    org = OrganizationFactory()
    with pytest.raises(UnknownEventTypeError), transaction.atomic():
        event_emit(organization_id=org.pk, type="listing.exploded", data={})


def test_the_registry_lists_the_issue_s_types():
    assert {
        "listing.published",
        "listing.updated",
        "listing.unpublished",
        "listing.approved",
        "listing.rejected",
        "listing.suspended",
        "listing.reinstated",
        "acquisition.created",
        "acquisition.released",
        "item.version_created",
        "content_type.published",
        "content_type.unpublished",
        "content_type.deleted",
        "content_type.schedule_failed",  # scheduled publishing
        "content.schedule_failed",
        "content.published",  # the content issue's types
        "content.unpublished",
        "content.deleted",
        "content.migrated",
        "reference.source_updated",  # listing versions: a referenced listing moved on
        "webhook.test",
    } == set(EVENT_TYPES)
