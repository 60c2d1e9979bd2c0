"""Structured logs: one JSON object per line.

Selected with ``LOG_FORMAT=json`` (the default when ``DEBUG`` is off; ``plain`` otherwise). Every
line has ``time`` (UTC, ISO 8601, milliseconds), ``level``, ``logger``, ``message`` and
``request_id`` (``"-"`` outside a request). Fields passed with ``extra=`` become top-level keys: the
access log (``config.request``) adds ``method``, ``path``, ``status`` and ``duration_ms``. An
exception's traceback goes to ``exception`` as one escaped string, so a line is never split.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from typing import Any

# Attributes every LogRecord has: anything else on a record came from ``extra=`` or a filter.
_RECORD_ATTRIBUTES = frozenset(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {
    "message",
    "asctime",
    "request_id",
    "request",  # django.request attaches the HttpRequest; its path is in the message already
}


def _request_id(record: logging.LogRecord) -> str:
    request_id = getattr(record, "request_id", None)
    if request_id is None:  # a handler configured without RequestIdLogFilter
        from config.middleware import request_id_var

        request_id = request_id_var.get()
    return str(request_id)


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, tz=UTC)
            .isoformat(timespec="milliseconds")
            .replace("+00:00", "Z"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": _request_id(record),
        }
        for key, value in record.__dict__.items():
            if key not in _RECORD_ATTRIBUTES and not key.startswith("_") and key not in entry:
                entry[key] = value
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        elif record.exc_text:
            entry["exception"] = record.exc_text
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        # ASCII only: U+2028 and friends would split a line for some readers.
        return json.dumps(entry, default=str, ensure_ascii=True)
