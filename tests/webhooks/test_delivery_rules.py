"""The delivery state machine without a worker: claims, idempotency, retention."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import transaction
from django.utils import timezone

from tests.factories import OrganizationFactory
from webhooks import delivery as delivery_module
from webhooks.delivery import Outcome, delivery_attempt
from webhooks.events import event_emit, events_purge
from webhooks.models import Event, WebhookAttempt, WebhookDelivery, WebhookEndpoint

pytestmark = pytest.mark.django_db
Status = WebhookDelivery.Status


@pytest.fixture
def delivery() -> WebhookDelivery:
    org = OrganizationFactory()
    WebhookEndpoint.objects.create(
        organization=org, url="https://hooks.example.com/x", event_types=["*"]
    )
    with transaction.atomic():
        event = event_emit(organization_id=org.pk, type="listing.published", data={"id": "l"})
    return WebhookDelivery.objects.get(event=event)


class Sent(list):
    """The headers of every request "sent"; ``answers`` are returned in turn, then 200."""

    def __init__(self) -> None:
        super().__init__()
        self.answers: list[Outcome] = []


@pytest.fixture
def sent(monkeypatch) -> Sent:
    # The HTTP side is tested with a real receiver in test_delivery_worker.py; here only the
    # state machine around it.
    calls = Sent()

    def fake_send(url, headers, body):
        calls.append(headers)
        return calls.answers.pop(0) if calls.answers else Outcome(status_code=200, body="ok")

    monkeypatch.setattr(delivery_module, "send", fake_send)
    return calls


def test_a_job_for_a_succeeded_delivery_does_nothing(delivery, sent):
    assert delivery_attempt(delivery_id=delivery.pk, attempts_done=0, job_id=1)
    assert not delivery_attempt(delivery_id=delivery.pk, attempts_done=0, job_id=2)
    assert not delivery_attempt(delivery_id=delivery.pk, attempts_done=1, job_id=3)
    assert len(sent) == 1
    assert WebhookDelivery.objects.get(pk=delivery.pk).status == Status.SUCCEEDED


def test_of_two_jobs_for_the_same_attempt_only_one_sends(delivery, sent, settings):
    settings.WEBHOOK_RETRY_SCHEDULE = [60]
    sent.answers.append(Outcome(status_code=500))
    assert delivery_attempt(delivery_id=delivery.pk, attempts_done=0, job_id=1)
    row = WebhookDelivery.objects.get(pk=delivery.pk)
    assert (row.status, row.attempts) == (Status.RETRYING, 1)
    assert row.next_attempt_at > timezone.now() + dt.timedelta(seconds=55)
    # The scheduled retry and a redelivery were both queued for attempt 2.
    assert delivery_attempt(delivery_id=delivery.pk, attempts_done=1, job_id=2)
    assert not delivery_attempt(delivery_id=delivery.pk, attempts_done=1, job_id=3)
    assert len(sent) == 2


def test_a_job_retried_after_its_worker_died_sends_the_same_attempt_again(delivery, sent):
    claimed = delivery_module._claim(delivery.pk, 0, job_id=7)  # then the worker died
    assert claimed.attempts == 1
    assert not delivery_attempt(delivery_id=delivery.pk, attempts_done=0, job_id=8)
    assert delivery_attempt(delivery_id=delivery.pk, attempts_done=0, job_id=7)
    row = WebhookDelivery.objects.get(pk=delivery.pk)
    assert (row.status, row.attempts) == (Status.SUCCEEDED, 1)
    assert WebhookAttempt.objects.filter(delivery=row).count() == 1
    assert [h["webhook-id"] for h in sent] == [delivery.event_id]


def test_a_disabled_endpoint_fails_the_delivery_without_sending(delivery, sent):
    WebhookEndpoint.objects.filter(pk=delivery.endpoint_id).update(enabled=False)
    assert delivery_attempt(delivery_id=delivery.pk, attempts_done=0, job_id=1)
    row = WebhookDelivery.objects.get(pk=delivery.pk)
    assert (row.status, row.last_error) == (Status.FAILED, "The endpoint is disabled.")
    assert sent == []


def test_retry_after_longer_than_the_schedule_is_honoured(delivery, sent, settings):
    settings.WEBHOOK_RETRY_SCHEDULE = [5]
    sent.answers.append(Outcome(status_code=429, retry_after=120))
    delivery_attempt(delivery_id=delivery.pk, attempts_done=0, job_id=1)
    row = WebhookDelivery.objects.get(pk=delivery.pk)
    assert row.next_attempt_at > timezone.now() + dt.timedelta(seconds=115)


def test_events_older_than_the_retention_are_purged_with_their_deliveries(delivery, settings):
    settings.EVENT_RETENTION_DAYS = 30
    Event.objects.filter(pk=delivery.event_id).update(
        occurred_at=timezone.now() - dt.timedelta(days=31)
    )
    with transaction.atomic():
        recent = event_emit(
            organization_id=delivery.endpoint.organization_id, type="listing.updated", data={}
        )
    assert events_purge() == 1
    assert list(Event.objects.values_list("pk", flat=True)) == [recent.pk]
    assert not WebhookDelivery.objects.filter(pk=delivery.pk).exists()
