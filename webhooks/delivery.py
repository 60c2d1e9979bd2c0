"""One delivery attempt: claim it, sign, POST to the checked address, record, schedule the next.

Called by the ``webhooks.deliver`` job (``webhooks/tasks.py``); the state machine is in
``webhooks/models.py``. No row lock is held during the HTTP call: the attempt is claimed by one
statement (a conditional ``UPDATE … RETURNING`` that also reads the endpoint and the event) and
recorded by another (the attempt's upsert and the delivery's update in one ``WITH``), each atomic
on its own; only a retry (which defers the next job) or a 410 (which disables the endpoint) adds
a transaction around the second. With Django's connection check and procrastinate's fetch and
finish (each after its pool's check) that is seven statements per successful delivery
(``tests/webhooks/test_delivery_statements.py``; docs/benchmarks.md, Webhooks).

At-least-once: an attempt is claimed (attempt count + 1, the job id noted) before the request.
If the worker dies during the request, procrastinate retries the same job (same id) after the
stall timeout; the claim recognises it and sends again, with the same ``webhook-id``.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import json
import time
from contextlib import nullcontext
from dataclasses import dataclass
from typing import Any

import urllib3
from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, transaction
from django.utils import timezone

from webhooks import ssrf
from webhooks.models import WebhookDelivery, WebhookEndpoint
from webhooks.queue import defer_deliveries
from webhooks.signing import signature_header

Status = WebhookDelivery.Status
RESPONSE_BYTES = 1024
MAX_RETRY_AFTER = 24 * 3600
USER_AGENT = "publishing-platform-webhooks/1"


@dataclass
class Outcome:
    status_code: int | None = None
    body: str = ""
    error: str = ""
    duration_ms: int = 0
    retry_after: int | None = None
    final: bool = False  # no retry whatever the schedule says

    @property
    def ok(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


@dataclass(frozen=True)
class Claim:
    """An attempt this job may make: the delivery's counters, its endpoint and its event, as
    the claiming UPDATE returned them."""

    delivery_id: str
    attempts: int  # the number of the attempt being made
    endpoint_id: str
    url: str
    enabled: bool
    secret: str
    previous_secret: str
    previous_secret_expires_at: dt.datetime | None
    event_id: str
    event_type: str
    occurred_at: dt.datetime
    data: Any


def body_for(claim: Claim) -> bytes:
    payload = {"type": claim.event_type, "timestamp": claim.occurred_at, "data": claim.data}
    return json.dumps(payload, cls=DjangoJSONEncoder, separators=(",", ":")).encode()


def active_secrets(claim: Claim, now: dt.datetime) -> list[str]:
    secrets = [claim.secret]
    expires = claim.previous_secret_expires_at
    if claim.previous_secret and expires is not None and expires > now:
        secrets.append(claim.previous_secret)
    return secrets


# One statement, outside any transaction: the UPDATE's row lock makes two jobs for the same
# attempt take turns, and the second one, re-reading the row after the first committed, no longer
# matches (attempts moved on, the job id is not its own), so it gets no row. A job that claimed
# this attempt before its worker died matches on its job id and sends again, counters unchanged.
# Only the delivery row is locked; the endpoint and the event are read as of the statement.
_CLAIM_SQL = """
UPDATE webhooks_webhookdelivery AS d
SET attempts = CASE WHEN d.attempts = %(done)s THEN d.attempts + 1 ELSE d.attempts END,
    claimed_job_id = CASE WHEN d.attempts = %(done)s THEN %(job)s ELSE d.claimed_job_id END,
    last_attempt_at = CASE WHEN d.attempts = %(done)s THEN %(now)s ELSE d.last_attempt_at END
FROM webhooks_webhookendpoint AS e, webhooks_event AS ev
WHERE d.id = %(id)s
  AND e.id = d.endpoint_id
  AND ev.id = d.event_id
  AND d.status NOT IN ('succeeded', 'failed')
  AND (d.attempts = %(done)s OR (%(job)s::bigint IS NOT NULL AND d.claimed_job_id = %(job)s))
RETURNING d.id, d.attempts, e.id, e.url, e.enabled, e.secret, e.previous_secret,
    e.previous_secret_expires_at, ev.id, ev.type, ev.occurred_at, ev.data
"""


def _claim(delivery_id: str, attempts_done: int, job_id: int | None) -> Claim | None:
    """Take the next attempt of the delivery for this job, or None when there is nothing to do
    (already succeeded or failed, or another job made this attempt)."""
    params = {"id": delivery_id, "done": attempts_done, "job": job_id, "now": timezone.now()}
    with connection.cursor() as cursor:
        cursor.execute(_CLAIM_SQL, params)
        row = cursor.fetchone()
    if row is None:
        return None
    *head, data = row
    # Django's psycopg setup hands jsonb back as text (JSONField decodes it the same way).
    return Claim(*head, data=json.loads(data) if isinstance(data, str) else data)


def _retry_after(response) -> int | None:
    raw = response.headers.get("Retry-After")
    if not raw:
        return None
    if raw.strip().isdigit():
        return min(int(raw.strip()), MAX_RETRY_AFTER)
    try:
        when = email.utils.parsedate_to_datetime(raw)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        return None
    return max(0, min(int((when - timezone.now()).total_seconds()), MAX_RETRY_AFTER))


def send(url: str, headers: dict[str, str], body: bytes) -> Outcome:
    """POST ``body`` to ``url``: resolve, check the address, connect to it (no redirects)."""
    started = time.monotonic()
    try:
        target = ssrf.parse_target(url)
        address = ssrf.resolve_target(target)
    except ssrf.TargetRefusedError as exc:
        # A name that does not resolve may resolve later: retried. A refused address is final.
        return Outcome(error=f"Refused target: {exc}"[:1000], final=not exc.transient)
    timeout = urllib3.Timeout(total=settings.WEBHOOK_TIMEOUT_SECONDS)
    common = {"port": target.port, "timeout": timeout, "retries": False, "maxsize": 1}
    if target.scheme == "https":
        pool = urllib3.HTTPSConnectionPool(
            address,
            server_hostname=target.host,
            assert_hostname=target.host,
            cert_reqs="CERT_REQUIRED",
            **common,
        )
    else:
        pool = urllib3.HTTPConnectionPool(address, **common)
    default_port = 443 if target.scheme == "https" else 80
    host_header = target.host if ":" not in target.host else f"[{target.host}]"
    if target.port != default_port:
        host_header += f":{target.port}"
    try:
        response = pool.urlopen(
            "POST",
            target.path,
            body=body,
            headers={**headers, "Host": host_header},
            redirect=False,
            preload_content=False,
            assert_same_host=False,
        )
        try:
            text = response.read(RESPONSE_BYTES, decode_content=True)[:RESPONSE_BYTES]
        finally:
            response.release_conn()
        outcome = Outcome(
            status_code=response.status,
            body=text.decode("utf-8", "replace"),
            retry_after=_retry_after(response) if response.status in (429, 503) else None,
        )
    except urllib3.exceptions.HTTPError as exc:
        outcome = Outcome(error=f"{type(exc).__name__}: {exc}"[:1000])
    finally:
        pool.close()
    outcome.duration_ms = int((time.monotonic() - started) * 1000)
    return outcome


def _next_delay(attempt_number: int, outcome: Outcome) -> int | None:
    """Seconds until the next attempt after attempt ``attempt_number`` (1-based) failed, or
    None when the schedule is exhausted."""
    schedule = settings.WEBHOOK_RETRY_SCHEDULE
    if attempt_number > len(schedule):
        return None
    delay = schedule[attempt_number - 1]
    if outcome.retry_after is not None and outcome.retry_after > delay:
        delay = outcome.retry_after
    return delay


# The attempt's log row (an upsert: a job retried after its worker died records the same attempt
# number again) and the delivery's new state, in one statement.
_RECORD_SQL = """
WITH attempt AS (
    INSERT INTO webhooks_webhookattempt
        (delivery_id, number, attempted_at, status_code, response_body, duration_ms, error)
    VALUES (%(id)s, %(number)s, %(at)s, %(code)s, %(body)s, %(ms)s, %(error)s)
    ON CONFLICT (delivery_id, number) DO UPDATE SET
        attempted_at = EXCLUDED.attempted_at,
        status_code = EXCLUDED.status_code,
        response_body = EXCLUDED.response_body,
        duration_ms = EXCLUDED.duration_ms,
        error = EXCLUDED.error
)
UPDATE webhooks_webhookdelivery
SET status = %(status)s, next_attempt_at = %(next)s, last_status_code = %(code)s,
    last_error = %(last_error)s, duration_ms = %(ms)s, claimed_job_id = NULL
WHERE id = %(id)s
"""


def _record(claim: Claim, outcome: Outcome, now: dt.datetime) -> None:
    """Log the attempt and move the delivery on (the state table in ``webhooks.models``).

    A success or a final failure is one statement (atomic on its own). A retry also defers the
    next job, and a 410 also disables the endpoint: those run in one transaction with it, so the
    delivery is never left ``retrying`` without a job to retry it.
    """
    number = claim.attempts
    last_error = outcome.error
    next_attempt_at = None
    retry = gone = False
    if outcome.ok:
        status = Status.SUCCEEDED
    elif outcome.status_code == 410:
        status, gone = Status.FAILED, True
        last_error = "The endpoint answered 410 Gone: it was disabled."
    else:
        delay = None if outcome.final else _next_delay(number, outcome)
        if delay is None:
            status = Status.FAILED
        else:
            status, retry = Status.RETRYING, True
            next_attempt_at = timezone.now() + dt.timedelta(seconds=delay)
    params = {
        "id": claim.delivery_id,
        "number": number,
        "at": now,
        "code": outcome.status_code,
        "body": outcome.body,
        "ms": outcome.duration_ms,
        "error": outcome.error,
        "status": status,
        "next": next_attempt_at,
        "last_error": last_error,
    }
    with transaction.atomic() if (retry or gone) else nullcontext():
        with connection.cursor() as cursor:
            cursor.execute(_RECORD_SQL, params)
        if gone:
            WebhookEndpoint.objects.filter(pk=claim.endpoint_id).update(
                enabled=False, disabled_reason="410 Gone", updated_at=timezone.now()
            )
        if retry:
            defer_deliveries([(claim.delivery_id, number)], schedule_at=next_attempt_at)


def delivery_attempt(*, delivery_id: str, attempts_done: int, job_id: int | None = None) -> bool:
    """Make the next attempt of a delivery if it is still due; True when one was made.

    Idempotent: a job for a delivery that already succeeded or failed, or whose attempt another
    job made, does nothing.
    """
    claim = _claim(delivery_id, attempts_done, job_id)
    if claim is None:
        return False
    now = timezone.now()
    if not claim.enabled:
        _record(claim, Outcome(error="The endpoint is disabled.", final=True), now)
        return True
    body = body_for(claim)
    timestamp = int(time.time())
    headers = {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "webhook-id": claim.event_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": signature_header(
            active_secrets(claim, now), claim.event_id, timestamp, body
        ),
    }
    outcome = send(claim.url, headers, body)
    _record(claim, outcome, now)
    return True
