"""What operators watch: Prometheus metrics at ``/metrics`` (off unless ``METRICS_ENABLED``).

Two kinds, because web requests and worker jobs run in different processes:

- Counters and histograms of what a web process does (requests per route and status, their
  latency, the database queries they ran, rate-limit refusals), kept by ``prometheus_client``.
  Under gunicorn with several workers set ``PROMETHEUS_MULTIPROC_DIR`` to an empty directory the
  workers share: each scrape then adds up every worker's values instead of one worker's.
- Gauges read from the database at scrape time (the task queue by queue and status, webhook
  deliveries by outcome): they count what every worker on every host did, and survive restarts.
  Apps register their readers with ``register_database_gauges`` (config imports no app).
"""

from __future__ import annotations

import hmac
import os
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from django.conf import settings
from django.db import connection
from django.http import HttpRequest, HttpResponse
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    disable_created_metrics,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

disable_created_metrics()  # the *_created series double every counter for no operator use

REQUESTS = Counter(
    "publishing_http_requests",
    "HTTP requests answered, by method, route pattern and status.",
    ["method", "route", "status"],
)
LATENCY = Histogram(
    "publishing_http_request_duration_seconds",
    "Time to answer a request, by method and route pattern.",
    ["method", "route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)
QUERIES = Counter(
    "publishing_db_queries",
    "Database queries run while answering requests, by route pattern.",
    ["route"],
)
RATE_LIMITED = Counter(
    "publishing_rate_limit_refusals",
    "Requests refused with 429 by a rate limit, by its scope.",
    ["scope"],
)


@dataclass(frozen=True)
class DatabaseGauge:
    """A gauge family read at scrape time: ``read()`` returns (label values, value) rows."""

    name: str
    documentation: str
    labels: tuple[str, ...]
    read: Callable[[], Iterable[tuple[tuple[str, ...], float]]]


_DATABASE_GAUGES: list[DatabaseGauge] = []


def register_database_gauges(*gauges: DatabaseGauge) -> None:
    """Called from an app's ``ready()``; a name registered twice keeps the first."""
    known = {gauge.name for gauge in _DATABASE_GAUGES}
    _DATABASE_GAUGES.extend(gauge for gauge in gauges if gauge.name not in known)


def _grouped(sql: str) -> Callable[[], list[tuple[tuple[str, ...], float]]]:
    def read() -> list[tuple[tuple[str, ...], float]]:
        with connection.cursor() as cursor:
            cursor.execute(sql)
            return [(tuple(str(v) for v in row[:-1]), float(row[-1])) for row in cursor.fetchall()]

    return read


# The task engine is the ground floor's (config/jobs.py): its queue is read here.
register_database_gauges(
    DatabaseGauge(
        "publishing_task_jobs",
        "Task-engine jobs by queue and status (todo = queue depth, doing = running, "
        "succeeded/failed = outcomes kept in the job table).",
        ("queue", "status"),
        _grouped("SELECT queue_name, status::text, count(*) FROM procrastinate_jobs GROUP BY 1, 2"),
    ),
    DatabaseGauge(
        "publishing_task_workers_alive",
        "Task-engine workers that sent a heartbeat in the last minute.",
        (),
        _grouped(
            "SELECT count(*) FROM procrastinate_workers "
            "WHERE last_heartbeat > now() - interval '60 seconds'"
        ),
    ),
)


class _DatabaseCollector(Collector):
    def collect(self) -> Iterator[GaugeMetricFamily]:
        for gauge in _DATABASE_GAUGES:
            family = GaugeMetricFamily(gauge.name, gauge.documentation, labels=list(gauge.labels))
            for labels, value in gauge.read():
                family.add_metric(list(labels), value)
            yield family


def _exposition() -> bytes:
    """Every worker's metrics (multiprocess mode) or this process's, then the database gauges."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        processes = CollectorRegistry()
        multiprocess.MultiProcessCollector(processes)
    else:
        processes = REGISTRY
    database = CollectorRegistry(auto_describe=False)
    database.register(_DatabaseCollector())
    return generate_latest(processes) + generate_latest(database)


_GROUP = re.compile(r"\(\?P<(\w+)>[^)]*\)")


def route_of(request: HttpRequest) -> str:
    """The URL pattern that answered (bounded cardinality), never the raw path: router regexes
    read like the other routes (``api/prompts/{pk}``)."""
    match = getattr(request, "resolver_match", None)
    if match is None or not match.route:
        return "unmatched"
    return _GROUP.sub(r"{\1}", match.route).replace("^", "").replace("$", "")


def record_request(request: HttpRequest, status: int, seconds: float, queries: int) -> None:
    route = route_of(request)
    REQUESTS.labels(request.method, route, str(status)).inc()
    LATENCY.labels(request.method, route).observe(seconds)
    if queries:
        QUERIES.labels(route).inc(queries)


def record_rate_limited(scope: str) -> None:
    if settings.METRICS_ENABLED:
        RATE_LIMITED.labels(scope).inc()


def metrics_view(request: HttpRequest) -> HttpResponse:
    """``GET /metrics``: 404 unless enabled; with ``METRICS_TOKEN`` set, only that bearer."""
    if not settings.METRICS_ENABLED:
        from config.views import not_found

        return not_found(request)
    token = settings.METRICS_TOKEN
    if token:
        given = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
        if not hmac.compare_digest(given.encode(), token.encode()):
            response = HttpResponse("A valid metrics token is required.\n", status=401)
            response["WWW-Authenticate"] = 'Bearer realm="metrics"'
            response["Content-Type"] = "text/plain"
            return response
    response = HttpResponse(_exposition(), content_type=CONTENT_TYPE_LATEST)
    response["Cache-Control"] = "no-store"
    return response
