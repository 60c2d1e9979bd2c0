"""One delivery attempt: claim it, sign, POST to the checked address, record, schedule the next.

Called by the ``webhooks.deliver`` job (``webhooks/tasks.py``); the state machine is in
``webhooks/models.py``. No row lock is held during the HTTP call: the attempt is claimed in one
short transaction and recorded in another.

At-least-once: an attempt is claimed (attempt count + 1, the job id noted) before the request.
If the worker dies during the request, procrastinate retries the same job (same id) after the
stall timeout; the claim recognises it and sends again, with the same ``webhook-id``.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import json
import time
from dataclasses import dataclass

import urllib3
from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils import timezone

from webhooks import ssrf
from webhooks.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint
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


def body_for(delivery: WebhookDelivery) -> bytes:
    event = delivery.event
    payload = {"type": event.type, "timestamp": event.occurred_at, "data": event.data}
    return json.dumps(payload, cls=DjangoJSONEncoder, separators=(",", ":")).encode()


def active_secrets(endpoint: WebhookEndpoint, now: dt.datetime) -> list[str]:
    secrets = [endpoint.secret]
    expires = endpoint.previous_secret_expires_at
    if endpoint.previous_secret and expires is not None and expires > now:
        secrets.append(endpoint.previous_secret)
    return secrets


def _claim(delivery_id: str, attempts_done: int, job_id: int | None) -> WebhookDelivery | None:
    """Take the next attempt of the delivery for this job, or None when there is nothing to do
    (already succeeded or failed, or another job made this attempt)."""
    with transaction.atomic():
        delivery = (
            WebhookDelivery.objects.select_for_update(of=("self",))
            .select_related("event", "endpoint")
            .filter(pk=delivery_id)
            .first()
        )
        if delivery is None or delivery.status in (Status.SUCCEEDED, Status.FAILED):
            return None
        if delivery.attempts == attempts_done:
            delivery.attempts += 1
            delivery.claimed_job_id = job_id
            delivery.last_attempt_at = timezone.now()
            delivery.save(update_fields=["attempts", "claimed_job_id", "last_attempt_at"])
            return delivery
        if job_id is not None and delivery.claimed_job_id == job_id:
            return delivery  # this very job died mid-attempt and was retried: send again
        return None


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


def _record(delivery: WebhookDelivery, outcome: Outcome, now: dt.datetime) -> None:
    number = delivery.attempts
    with transaction.atomic():
        WebhookAttempt.objects.update_or_create(
            delivery=delivery,
            number=number,
            defaults={
                "attempted_at": now,
                "status_code": outcome.status_code,
                "response_body": outcome.body,
                "duration_ms": outcome.duration_ms,
                "error": outcome.error,
            },
        )
        delivery.last_status_code = outcome.status_code
        delivery.last_error = outcome.error
        delivery.duration_ms = outcome.duration_ms
        delivery.claimed_job_id = None
        if outcome.ok:
            delivery.status, delivery.next_attempt_at = Status.SUCCEEDED, None
        elif outcome.status_code == 410:
            delivery.status, delivery.next_attempt_at = Status.FAILED, None
            delivery.last_error = "The endpoint answered 410 Gone: it was disabled."
            WebhookEndpoint.objects.filter(pk=delivery.endpoint_id).update(
                enabled=False, disabled_reason="410 Gone", updated_at=timezone.now()
            )
        else:
            delay = None if outcome.final else _next_delay(number, outcome)
            if delay is None:
                delivery.status, delivery.next_attempt_at = Status.FAILED, None
            else:
                delivery.status = Status.RETRYING
                delivery.next_attempt_at = timezone.now() + dt.timedelta(seconds=delay)
                defer_deliveries([(delivery.pk, number)], schedule_at=delivery.next_attempt_at)
        delivery.save(
            update_fields=[
                "status",
                "next_attempt_at",
                "last_status_code",
                "last_error",
                "duration_ms",
                "claimed_job_id",
            ]
        )


def delivery_attempt(*, delivery_id: str, attempts_done: int, job_id: int | None = None) -> bool:
    """Make the next attempt of a delivery if it is still due; True when one was made.

    Idempotent: a job for a delivery that already succeeded or failed, or whose attempt another
    job made, does nothing.
    """
    delivery = _claim(delivery_id, attempts_done, job_id)
    if delivery is None:
        return False
    endpoint, event = delivery.endpoint, delivery.event
    now = timezone.now()
    if not endpoint.enabled:
        _record(delivery, Outcome(error="The endpoint is disabled.", final=True), now)
        return True
    body = body_for(delivery)
    timestamp = int(time.time())
    headers = {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "webhook-id": event.pk,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": signature_header(
            active_secrets(endpoint, now), event.pk, timestamp, body
        ),
    }
    outcome = send(endpoint.url, headers, body)
    _record(delivery, outcome, now)
    return True
