"""Structured logs: JSON lines with the request id, and one access-log line per request."""

from __future__ import annotations

import json
import logging
import sys

import pytest

from config.logging import JsonFormatter
from config.middleware import RequestIdLogFilter
from tests.reliability.conftest import run_manage

pytestmark = pytest.mark.django_db

EMIT = "import logging; logging.getLogger('demo').warning('hello %s', 'world', extra={'n': 1})"


def format_json(record: logging.LogRecord) -> dict:
    if not hasattr(record, "request_id"):
        RequestIdLogFilter().filter(record)
    line = JsonFormatter().format(record)
    assert "\n" not in line
    return json.loads(line)


def make_record(message="hello %s", args=("world",), **extra) -> logging.LogRecord:
    record = logging.LogRecord("demo", logging.WARNING, __file__, 1, message, args, None)
    record.__dict__.update(extra)
    return record


def test_a_json_line_has_the_standard_fields_and_the_extras():
    entry = format_json(make_record(orders=3, user_id="u1"))
    assert set(entry) == {"time", "level", "logger", "message", "request_id", "orders", "user_id"}
    assert entry["level"] == "WARNING"
    assert entry["logger"] == "demo"
    assert entry["message"] == "hello world"
    assert entry["request_id"] == "-"  # outside a request
    assert entry["time"].endswith("Z")
    assert (entry["orders"], entry["user_id"]) == (3, "u1")


def test_exceptions_and_odd_characters_stay_on_one_line():
    try:
        raise ValueError("line one\nline two")
    except ValueError:
        exc_info = sys.exc_info()
    record = make_record("weird \u2028 text\r\n%s", ("\x00",))
    record.exc_info = exc_info
    entry = format_json(record)
    assert entry["message"] == "weird \u2028 text\r\n\x00"
    assert "ValueError: line one\nline two" in entry["exception"]
    assert entry["exception"].startswith("Traceback")


def test_values_that_are_not_json_are_written_as_text():
    entry = format_json(make_record(when=object, ids={1, 2}))
    assert entry["when"] == "<class 'object'>"
    assert entry["ids"] == "{1, 2}"


def test_one_access_log_line_per_request_with_the_request_id(anon, caplog):
    caplog.handler.addFilter(RequestIdLogFilter())
    with caplog.at_level(logging.INFO, logger="config.request"):
        response = anon.get("/api/health?token=do-not-log-me", HTTP_X_REQUEST_ID="req-42")
    assert response.status_code == 200
    (record,) = [r for r in caplog.records if r.name == "config.request"]
    entry = format_json(record)
    assert entry["request_id"] == "req-42"
    assert entry["method"] == "GET"
    assert entry["path"] == "/api/health"
    assert entry["status"] == 200
    assert isinstance(entry["duration_ms"], float)
    assert entry["message"].startswith("GET /api/health 200 ")
    assert "do-not-log-me" not in json.dumps(entry)


def test_errors_are_logged_with_their_status(anon, caplog):
    with caplog.at_level(logging.INFO, logger="config.request"):
        anon.get("/api/organizations")
    (record,) = [r for r in caplog.records if r.name == "config.request"]
    assert record.status == 401


def test_control_characters_in_paths_cannot_forge_log_lines(anon, caplog):
    with caplog.at_level(logging.INFO, logger="config.request"):
        anon.get("/api/nothing%0A2026-01-01 INFO forged")
    (record,) = [r for r in caplog.records if r.name == "config.request"]
    assert "\n" not in record.getMessage()
    assert "\\x0a" in record.path


def test_log_lines_carry_the_request_id_of_their_request(anon, caplog):
    caplog.handler.addFilter(RequestIdLogFilter())
    with caplog.at_level(logging.INFO):
        anon.get("/api/health", HTTP_X_REQUEST_ID="req-7")
    ids = {r.request_id for r in caplog.records if r.name == "config.request"}
    assert ids == {"req-7"}


# --- configuration, in a production-like process -------------------------------------------------
def stderr_lines(**env: str) -> list[str]:
    result = run_manage("shell", "-c", EMIT, **env)
    assert result.returncode == 0, result.stderr
    return [line for line in result.stderr.splitlines() if "hello world" in line]


def test_production_logs_are_json_lines_by_default():
    (line,) = stderr_lines()
    entry = json.loads(line)
    assert entry["message"] == "hello world"
    assert entry["level"] == "WARNING"
    assert entry["request_id"] == "-"
    assert entry["n"] == 1


def test_plain_logs_can_be_chosen():
    (line,) = stderr_lines(LOG_FORMAT="plain")
    assert line.endswith("WARNING demo [-] hello world")


def test_debug_defaults_to_plain_logs():
    (line,) = stderr_lines(DEBUG="1")
    with pytest.raises(json.JSONDecodeError):
        json.loads(line)


def test_an_unknown_log_format_stops_the_process():
    result = run_manage("check", LOG_FORMAT="xml")
    assert result.returncode != 0
    assert "LOG_FORMAT must be json or plain" in result.stderr
