"""What operators watch: /metrics (Prometheus text, off by default, token-guarded) and the
liveness/readiness split, against real servers: the test client, a real task-engine worker for the
heartbeat, and gunicorn with two workers sharing a multiprocess metrics directory."""

from __future__ import annotations

import os
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families
from rest_framework.test import APIClient

from tests.conftest import bearer_client
from tests.dburl import database_url
from tests.servers import start_gunicorn, stop_gunicorn
from tests.webhooks import conftest as webhook_fixtures
from tests.webhooks.conftest import free_port, wait_for

workers = webhook_fixtures.workers
ROOT = Path(__file__).resolve().parents[1]


def samples(text: str) -> dict[tuple[str, tuple], float]:
    """``{(sample name, sorted labels): value}`` of a Prometheus text exposition."""
    found = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            found[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return found


def scrape(client: APIClient, **headers: str) -> dict[tuple[str, tuple], float]:
    response = client.get("/metrics", **headers)
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("text/plain")
    return samples(response.content.decode())


@pytest.fixture
def metrics_on(settings):
    settings.METRICS_ENABLED = True
    settings.METRICS_TOKEN = ""
    return settings


@pytest.mark.django_db
def test_metrics_are_off_unless_enabled(settings):
    settings.METRICS_ENABLED = False
    assert APIClient().get("/metrics").status_code == 404


@pytest.mark.django_db
def test_metrics_token_is_required_when_set(metrics_on):
    metrics_on.METRICS_TOKEN = "s3cret-metrics-token"
    client = APIClient()
    assert client.get("/metrics").status_code == 401
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer wrong").status_code == 401
    scrape(client, HTTP_AUTHORIZATION="Bearer s3cret-metrics-token")


@pytest.mark.django_db
def test_requests_queries_and_refusals_are_counted(metrics_on, editor):
    metrics_on.RATE_LIMITS = {**metrics_on.RATE_LIMITS, "auth": "1/minute"}
    client = bearer_client(editor)
    key = (
        "publishing_http_requests_total",
        (("method", "GET"), ("route", "api/prompts"), ("status", "200")),
    )
    queries = ("publishing_db_queries_total", (("route", "api/prompts"),))
    refused = ("publishing_rate_limit_refusals_total", (("scope", "auth"),))
    before = scrape(client)
    for _ in range(3):
        assert client.get("/api/prompts").status_code == 200
    anon = APIClient()
    body = {"email": "nobody@acme.test", "password": "wrong-password-123"}
    statuses = [anon.post("/api/auth/login", body, format="json").status_code for _ in range(2)]
    assert statuses[-1] == 429
    after = scrape(client)
    assert after[key] - before.get(key, 0) == 3
    assert after[queries] - before.get(queries, 0) >= 3  # each list reads the database
    assert after[refused] - before.get(refused, 0) == 1
    latency = (
        "publishing_http_request_duration_seconds_count",
        (("method", "GET"), ("route", "api/prompts")),
    )
    assert after[latency] - before.get(latency, 0) == 3
    # Unknown paths share one label: a scan cannot blow up the series count.
    assert client.get("/nothing/here/at/all").status_code == 404
    assert not any("nothing" in str(labels) for _, labels in scrape(client))


@pytest.mark.django_db
def test_queue_and_delivery_gauges_come_from_the_database(metrics_on):
    found = scrape(APIClient())
    for status in ("pending", "retrying", "succeeded", "failed"):
        assert ("publishing_webhook_deliveries", (("status", status),)) in found
    assert ("publishing_task_workers_alive", ()) in found


@pytest.mark.django_db
def test_live_and_ready(settings):
    client = APIClient()
    live = client.get("/api/health/live")
    assert live.status_code == 200
    assert live.json()["data"] == {"status": "live"}
    settings.WORKERS_EXPECTED = False
    ready = client.get("/api/health/ready")
    assert ready.status_code == 200
    assert ready.json()["data"] == {
        "status": "ready",
        "checks": {"database": "ok", "migrations": "ok", "worker": "not expected"},
    }


@pytest.mark.django_db(transaction=True)
def test_ready_waits_for_a_worker_heartbeat_when_workers_are_expected(settings, workers):
    settings.WORKERS_EXPECTED = True
    client = APIClient()
    response = client.get("/api/health/ready")
    assert response.status_code == 503
    error = response.json()["error"]
    assert error["code"] == "SERVICE_UNAVAILABLE"
    assert error["details"]["checks"]["worker"] == "failed"
    workers.start(concurrency=1)
    wait_for(lambda: client.get("/api/health/ready").status_code == 200, what="a worker heartbeat")
    assert client.get("/api/health/ready").json()["data"]["checks"]["worker"] == "ok"


@pytest.mark.django_db(transaction=True)
def test_gunicorn_workers_add_up_in_one_scrape(tmp_path):
    """Two gunicorn workers, one multiprocess directory: every scrape, whichever worker answers
    it, counts the requests both answered."""
    port = free_port()
    metrics_dir = tmp_path / "metrics"
    metrics_dir.mkdir()
    env = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "DEBUG": "1",
        "METRICS_ENABLED": "1",
        "PROMETHEUS_MULTIPROC_DIR": str(metrics_dir),
        "LOG_FORMAT": "plain",
    }
    server = start_gunicorn(port, env, workers=2, log=tmp_path / "gunicorn.log")
    base = f"http://127.0.0.1:{port}"

    def get(path: str) -> str:
        with urllib.request.urlopen(base + path, timeout=10) as response:  # noqa: S310 - loopback
            return response.read().decode()

    def up() -> bool:
        try:
            get("/api/health/live")
        except OSError:
            return False
        return True

    try:
        wait_for(up, what="gunicorn")
        with ThreadPoolExecutor(8) as pool:  # in parallel, so both workers answer some
            list(pool.map(lambda _: get("/api/health/live"), range(29)))
        key = (
            "publishing_http_requests_total",
            (("method", "GET"), ("route", "api/health/live"), ("status", "200")),
        )
        seen = {samples(get("/metrics"))[key] for _ in range(6)}
        assert seen == {30.0}
    finally:
        stop_gunicorn(server)
