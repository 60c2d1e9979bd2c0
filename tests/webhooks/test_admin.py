"""The admin: endpoints, deliveries and events read-only; redeliver through the service."""

from __future__ import annotations

import pytest
from django.db import transaction

from tests.factories import UserFactory
from webhooks.events import event_emit
from webhooks.models import WebhookDelivery, WebhookEndpoint

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(client):
    client.force_login(UserFactory(email="root@platform.test", is_staff=True, is_superuser=True))
    return client


@pytest.fixture
def delivery(org) -> WebhookDelivery:
    WebhookEndpoint.objects.create(
        organization=org, url="https://hooks.example.com/a", event_types=["*"]
    )
    with transaction.atomic():
        event = event_emit(organization_id=org.pk, type="listing.published", data={"id": "l"})
    delivery = WebhookDelivery.objects.get(event=event)
    WebhookDelivery.objects.filter(pk=delivery.pk).update(status="failed", attempts=8)
    return delivery


@pytest.mark.parametrize(
    "path",
    [
        "/admin/webhooks/webhookendpoint/?q=hooks",
        "/admin/webhooks/webhookdelivery/?status__exact=failed",
        "/admin/webhooks/event/?type__exact=listing.published",
        "/admin/",
        "/admin/procrastinate/procrastinatejob/",  # the queue, read-only
    ],
)
def test_changelists_render(staff_client, delivery, path):
    assert staff_client.get(path).status_code == 200


def test_endpoint_page_never_shows_the_secret_and_cannot_be_edited(staff_client, delivery):
    endpoint = delivery.endpoint
    page = staff_client.get(f"/admin/webhooks/webhookendpoint/{endpoint.pk}/change/")
    assert page.status_code == 200
    assert endpoint.secret not in page.content.decode()
    assert b'type="submit" value="Save"' not in page.content
    assert staff_client.get("/admin/webhooks/webhookendpoint/add/").status_code == 403


def test_redeliver_action_queues_the_delivery_again(staff_client, delivery):
    response = staff_client.post(
        "/admin/webhooks/webhookdelivery/",
        {"action": "redeliver", "_selected_action": [delivery.pk]},
        follow=True,
    )
    assert response.status_code == 200
    assert b"Queued 1 deliveries for redelivery." in response.content
    delivery.refresh_from_db()
    assert delivery.status == "pending"
    assert delivery.attempts == 8
