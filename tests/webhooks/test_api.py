"""The webhooks and events API: /api/ envelope, admins and owners, another org's ids are 404."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import transaction
from django.utils import timezone

from tests.conftest import error_of
from webhooks.events import event_emit
from webhooks.models import Event, WebhookDelivery, WebhookEndpoint

pytestmark = pytest.mark.django_db
URL = "https://hooks.example.com/receive"


@pytest.fixture(autouse=True)
def _no_private_targets(settings):
    settings.WEBHOOKS_ALLOW_PRIVATE_TARGETS = False


def create(client, **body):
    return client.post("/api/webhooks", {"url": URL, "eventTypes": ["*"], **body}, format="json")


def test_an_owner_creates_an_endpoint_and_sees_its_secret_once(owner, client_for):
    client = client_for(owner)
    response = create(client, description="CI", eventTypes=["listing.published"])
    assert response.status_code == 201, response.json()
    data = response.json()["data"]
    assert data["secret"].startswith("whsec_")
    assert data["eventTypes"] == ["listing.published"]
    assert data["enabled"] is True
    listed = client.get("/api/webhooks").json()["data"]
    assert [e["id"] for e in listed["items"]] == [data["id"]]
    assert "secret" not in listed["items"][0]
    detail = client.get(f"/api/webhooks/{data['id']}").json()["data"]
    assert "secret" not in detail
    assert detail["description"] == "CI"


def test_admins_manage_endpoints_editors_and_viewers_do_not(admin, editor, viewer, client_for):
    assert create(client_for(admin)).status_code == 201
    for user in (editor, viewer):
        response = create(client_for(user))
        assert response.status_code == 403
        assert client_for(user).get("/api/webhooks").status_code == 403


@pytest.mark.parametrize(
    ("url", "fragment"),
    [
        ("http://hooks.example.com/x", "https://"),
        ("https://bob:secret@hooks.example.com/x", "credentials"),
        ("https://10.0.0.8/x", "Private"),
        ("https://[::1]/x", "Private"),
        ("https://hooks.example.com/" + "x" * 1990, "2000"),
    ],
)
def test_bad_urls_are_400_on_the_url_field(owner, client_for, url, fragment):
    response = create(client_for(owner), url=url)
    assert response.status_code == 400
    error = error_of(response)
    assert error["code"] == "VALIDATION_FAILED"
    assert fragment in " ".join(error["details"]["fields"]["url"])


def test_http_and_loopback_are_accepted_where_private_targets_are_allowed(
    owner, client_for, settings
):
    settings.WEBHOOKS_ALLOW_PRIVATE_TARGETS = True
    assert create(client_for(owner), url="http://127.0.0.1:9999/hook").status_code == 201


def test_unknown_event_types_are_named(owner, client_for):
    response = create(client_for(owner), eventTypes=["listing.published", "listing.exploded", "x"])
    assert response.status_code == 400
    (message,) = error_of(response)["details"]["fields"]["eventTypes"]
    assert "listing.exploded" in message
    assert "x" in message


def test_an_organization_has_at_most_twenty_endpoints(owner, client_for, org):
    for n in range(20):
        WebhookEndpoint.objects.create(organization=org, url=f"{URL}/{n}", event_types=["*"])
    response = create(client_for(owner))
    assert response.status_code == 409
    error = error_of(response)
    assert error["code"] == "CONFLICT"
    assert "at most 20" in error["message"]


def test_another_organization_s_endpoint_is_404(owner, stranger, client_for):
    endpoint_id = create(client_for(owner)).json()["data"]["id"]
    client = client_for(stranger)
    for method, path in (
        ("get", ""),
        ("patch", ""),
        ("delete", ""),
        ("post", "/rotate-secret"),
        ("post", "/test"),
        ("get", "/deliveries"),
    ):
        response = getattr(client, method)(f"/api/webhooks/{endpoint_id}{path}", {}, format="json")
        assert response.status_code == 404, (method, path)
    assert WebhookEndpoint.objects.filter(pk=endpoint_id).exists()


def test_patch_changes_only_what_it_names(owner, client_for):
    client = client_for(owner)
    endpoint_id = create(client, description="before").json()["data"]["id"]
    response = client.patch(
        f"/api/webhooks/{endpoint_id}",
        {"enabled": False, "eventTypes": ["content_type.published"]},
        format="json",
    )
    assert response.status_code == 200
    data = response.json()["data"]
    assert data["enabled"] is False
    assert data["eventTypes"] == ["content_type.published"]
    assert data["description"] == "before"
    assert data["url"] == URL
    bad = client.patch(f"/api/webhooks/{endpoint_id}", {"url": "http://x.test"}, format="json")
    assert bad.status_code == 400


def test_delete_removes_the_endpoint(owner, client_for):
    client = client_for(owner)
    endpoint_id = create(client).json()["data"]["id"]
    assert client.delete(f"/api/webhooks/{endpoint_id}").status_code == 204
    assert client.get(f"/api/webhooks/{endpoint_id}").status_code == 404


def test_rotation_returns_a_new_secret_and_keeps_the_old_one_for_a_day(owner, client_for):
    client = client_for(owner)
    created = create(client).json()["data"]
    response = client.post(f"/api/webhooks/{created['id']}/rotate-secret")
    assert response.status_code == 200
    new_secret = response.json()["data"]["secret"]
    assert new_secret.startswith("whsec_")
    assert new_secret != created["secret"]
    endpoint = WebhookEndpoint.objects.get(pk=created["id"])
    assert endpoint.previous_secret == created["secret"]
    overlap = endpoint.previous_secret_expires_at - timezone.now()
    assert dt.timedelta(hours=23, minutes=59) < overlap <= dt.timedelta(hours=24)


def test_test_sends_a_webhook_test_event_to_that_endpoint_only(owner, client_for, org):
    client = client_for(owner)
    endpoint_id = create(client, eventTypes=["listing.published"]).json()["data"]["id"]
    other_id = create(client).json()["data"]["id"]
    response = client.post(f"/api/webhooks/{endpoint_id}/test")
    assert response.status_code == 202
    event = Event.objects.get(pk=response.json()["data"]["eventId"])
    assert event.type == "webhook.test"
    assert event.organization_id == org.pk
    deliveries = WebhookDelivery.objects.filter(event=event)
    assert [d.endpoint_id for d in deliveries] == [endpoint_id]
    assert other_id != endpoint_id
    listed = client.get(f"/api/webhooks/{endpoint_id}/deliveries").json()["data"]["items"]
    assert [(d["eventId"], d["eventType"], d["status"]) for d in listed] == [
        (event.pk, "webhook.test", "pending")
    ]


def test_deliveries_filter_by_status_and_redeliver(owner, client_for, org):
    client = client_for(owner)
    endpoint_id = create(client).json()["data"]["id"]
    with transaction.atomic():
        event = event_emit(organization_id=org.pk, type="listing.published", data={"id": "l"})
    delivery = WebhookDelivery.objects.get(event=event)
    WebhookDelivery.objects.filter(pk=delivery.pk).update(status="failed", attempts=8)
    base = f"/api/webhooks/{endpoint_id}/deliveries"
    assert client.get(base, {"status": "succeeded"}).json()["data"]["items"] == []
    (failed,) = client.get(base, {"status": "failed"}).json()["data"]["items"]
    assert failed["attempts"] == 8
    assert client.get(base, {"status": "bogus"}).status_code == 400
    response = client.post(f"{base}/{delivery.pk}/redeliver")
    assert response.status_code == 202
    assert response.json()["data"] == {"deliveryId": delivery.pk, "status": "pending"}
    assert client.post(f"{base}/{'0' * 24}/redeliver").status_code == 404
    assert client.post(f"{base}/not-an-id/redeliver").status_code == 400


def test_events_are_listed_newest_first_with_a_cursor(owner, viewer, stranger, client_for, org):
    base = timezone.now() - dt.timedelta(hours=1)
    with transaction.atomic():
        for n in range(5):
            event_emit(
                organization_id=org.pk,
                type="listing.published" if n % 2 else "listing.updated",
                data={"n": n},
                occurred_at=base + dt.timedelta(minutes=n),
            )
    client = client_for(viewer)
    page = client.get("/api/events", {"limit": 2}).json()["data"]
    assert [e["data"]["n"] for e in page["items"]] == [4, 3]
    seen = [e["data"]["n"] for e in page["items"]]
    while page["nextCursor"]:
        page = client.get("/api/events", {"limit": 2, "cursor": page["nextCursor"]}).json()["data"]
        seen += [e["data"]["n"] for e in page["items"]]
    assert seen == [4, 3, 2, 1, 0]
    only = client.get("/api/events", {"type": "listing.published"}).json()["data"]["items"]
    assert [e["data"]["n"] for e in only] == [3, 1]
    since = (base + dt.timedelta(minutes=3)).isoformat()
    recent = client.get("/api/events", {"since": since}).json()["data"]["items"]
    assert [e["data"]["n"] for e in recent] == [4, 3]
    assert client_for(stranger).get("/api/events").json()["data"]["items"] == []
    for bad in ({"cursor": "garbage"}, {"type": "nope"}, {"since": "yesterday"}, {"limit": 0}):
        assert client.get("/api/events", bad).status_code == 400, bad
