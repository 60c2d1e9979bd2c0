"""Target checks (SSRF), signatures, and the retry arithmetic, without a worker."""

from __future__ import annotations

import datetime as dt

import pytest
from standardwebhooks.webhooks import Webhook

from webhooks import delivery, signing, ssrf
from webhooks.models import new_webhook_secret


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "10.1.2.3",
        "172.16.0.1",
        "192.168.1.1",
        "169.254.169.254",
        "100.64.0.1",
        "0.0.0.0",  # noqa: S104 - an address under test, not a bind
        "224.0.0.1",
        "240.0.0.1",
        "::1",
        "fe80::1",
        "fc00::1",
        "::ffff:127.0.0.1",
        "ff02::1",
    ],
)
def test_private_and_reserved_addresses_are_not_public(address):
    assert not ssrf.is_public_address(address)


@pytest.mark.parametrize("address", ["93.184.215.14", "8.8.8.8", "2606:4700::1111"])
def test_public_addresses_are_public(address):
    assert ssrf.is_public_address(address)


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("http://example.com/hook", "https://"),
        ("ftp://example.com/hook", "https://"),
        ("https://user:pw@example.com/hook", "credentials"),
        ("https://example.com/" + "a" * 2000, "2000"),
        ("https://127.0.0.1/hook", "Private"),
        ("https://[::1]/hook", "Private"),
        ("https://169.254.169.254/latest/meta-data", "Private"),
        ("https:///nohost", "host"),
        ("/relative", "https://"),
        ("https://example.com:99999/", "port"),
    ],
)
def test_creation_refuses_bad_urls(url, message, settings):
    settings.WEBHOOKS_ALLOW_PRIVATE_TARGETS = False
    with pytest.raises(ssrf.TargetRefusedError, match=message):
        ssrf.parse_target(url)


def test_private_targets_allowed_accept_http_and_loopback(settings):
    settings.WEBHOOKS_ALLOW_PRIVATE_TARGETS = True
    target = ssrf.parse_target("http://127.0.0.1:8080/hooks?x=1")
    assert (target.scheme, target.host, target.port, target.path) == (
        "http",
        "127.0.0.1",
        8080,
        "/hooks?x=1",
    )
    assert ssrf.resolve_target(target) == "127.0.0.1"


def test_a_name_resolving_to_loopback_is_refused(settings):
    settings.WEBHOOKS_ALLOW_PRIVATE_TARGETS = False
    target = ssrf.parse_target("https://localhost/hook")  # a name passes at creation
    with pytest.raises(ssrf.TargetRefusedError, match="resolves to a private") as info:
        ssrf.resolve_target(target)
    assert not info.value.transient


def test_send_refuses_before_connecting(settings):
    settings.WEBHOOKS_ALLOW_PRIVATE_TARGETS = False
    outcome = delivery.send("https://localhost:1/hook", {}, b"{}")
    assert outcome.status_code is None
    assert outcome.final
    assert "Refused target" in outcome.error


def test_our_signatures_verify_with_the_reference_library():
    secret = new_webhook_secret()
    assert secret.startswith("whsec_")
    assert len(signing.secret_key(secret)) == 32
    body = b'{"type":"webhook.test","timestamp":"2026-01-01T00:00:00Z","data":{}}'
    now = int(dt.datetime.now(dt.UTC).timestamp())
    header = signing.signature_header([secret], "evt_0123", now, body)
    headers = {"webhook-id": "evt_0123", "webhook-timestamp": str(now), "webhook-signature": header}
    assert Webhook(secret).verify(body, headers)["type"] == "webhook.test"
    with pytest.raises(Exception, match="No matching signature"):
        Webhook(new_webhook_secret()).verify(body, headers)


def test_retry_after_is_honoured_only_when_longer(settings):
    settings.WEBHOOK_RETRY_SCHEDULE = [5, 300]
    assert delivery._next_delay(1, delivery.Outcome(status_code=429, retry_after=60)) == 60
    assert delivery._next_delay(2, delivery.Outcome(status_code=503, retry_after=60)) == 300
    assert delivery._next_delay(2, delivery.Outcome(status_code=500)) == 300
    assert delivery._next_delay(3, delivery.Outcome(status_code=500)) is None


def test_the_default_schedule_is_the_issue_s(settings):
    from config.settings import env_seconds_list

    assert env_seconds_list("UNSET_FOR_TEST", "5,300,1800,7200,18000,36000,36000") == [
        5,
        300,
        1800,
        7200,
        18000,
        36000,
        36000,
    ]
