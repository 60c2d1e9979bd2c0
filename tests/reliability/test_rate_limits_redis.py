"""Rate limits hold across processes when the counters live in Redis.

Two Django cache instances with their own Redis clients and connection pools stand in for two
worker processes configured with the same ``REDIS_URL``. Runs against a local Redis at
127.0.0.1:6379 (database 15, keys under a unique prefix, deleted afterwards); skipped when none
answers.
"""

from __future__ import annotations

import threading
import uuid

import pytest
import redis
from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache
from rest_framework.request import Request
from rest_framework.test import APIRequestFactory

from publishing.throttling import AuthThrottle
from tests.conftest import bearer_client

REDIS_URL = "redis://127.0.0.1:6379/15"


@pytest.fixture
def redis_client():
    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=0.5, socket_timeout=2)
    try:
        client.ping()
    except redis.RedisError as exc:
        pytest.skip(f"Redis does not answer at 127.0.0.1:6379 ({exc.__class__.__name__}: {exc})")
    yield client
    client.close()


@pytest.fixture
def key_prefix(redis_client):
    prefix = f"ratelimit-test-{uuid.uuid4().hex}"
    yield prefix
    keys = list(redis_client.scan_iter(match=f"{prefix}:*"))
    if keys:
        redis_client.delete(*keys)


def redis_cache(prefix: str) -> dict:
    return {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": prefix,
    }


@pytest.mark.django_db
def test_a_user_limit_holds_across_two_processes(owner, settings, key_prefix, redis_client):
    settings.CACHES = {
        **settings.CACHES,
        "worker_a": redis_cache(key_prefix),
        "worker_b": redis_cache(key_prefix),
    }
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "user": "4/minute"}
    assert caches["worker_a"] is not caches["worker_b"]
    assert caches["worker_a"]._cache.get_client() is not caches["worker_b"]._cache.get_client()

    def request_via(worker):
        settings.RATE_LIMIT_CACHE = worker
        return bearer_client(owner).get("/api/auth/me")

    remaining = []
    for worker in ("worker_a", "worker_b", "worker_a", "worker_b"):
        response = request_via(worker)
        assert response.status_code == 200
        remaining.append(int(response["X-RateLimit-Remaining"]))
    assert remaining == [3, 2, 1, 0]  # one counter, whichever process answered
    assert request_via("worker_a").status_code == 429
    assert request_via("worker_b").status_code == 429

    (counter,) = redis_client.scan_iter(match=f"{key_prefix}:*")
    assert int(redis_client.get(counter)) == 6
    assert 0 < redis_client.ttl(counter) <= 60 + 60  # expires after its window (plus grace)


def test_concurrent_requests_from_two_processes_never_exceed_the_limit(settings, key_prefix):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "auth": "10/minute"}
    workers = [
        RedisCache(REDIS_URL, {"KEY_PREFIX": key_prefix}),
        RedisCache(REDIS_URL, {"KEY_PREFIX": key_prefix}),
    ]
    factory = APIRequestFactory()
    barrier = threading.Barrier(24)
    verdicts: list[bool] = []
    lock = threading.Lock()

    def attempt(cache):
        class WorkerThrottle(AuthThrottle):
            def get_cache(self):
                return cache

        request = Request(factory.post("/api/auth/login", REMOTE_ADDR="192.0.2.10"))
        barrier.wait()
        allowed = WorkerThrottle().allow_request(request, None)
        with lock:
            verdicts.append(allowed)

    threads = [threading.Thread(target=attempt, args=(workers[i % 2],)) for i in range(24)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(verdicts) == [False] * 14 + [True] * 10
    for cache in workers:
        cache.close()
