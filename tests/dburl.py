"""The test database as a ``DATABASE_URL``, for the subprocesses tests start (workers, commands)."""

from __future__ import annotations

from urllib.parse import quote

from django.db import connection


def database_url() -> str:
    """A URL for the test database, on a TCP server or on the embedded one's socket directory
    (percent-encoded, so the path survives as the URL's host)."""
    s = connection.settings_dict
    host = quote(s["HOST"] or "127.0.0.1", safe="")
    port = f":{s['PORT']}" if s["PORT"] else ""
    password = f":{quote(s['PASSWORD'], safe='')}" if s["PASSWORD"] else ""
    return f"postgres://{quote(s['USER'] or '', safe='')}{password}@{host}{port}/{s['NAME']}"
