"""Writing many rows in one statement without building model instances (the batch paths).

Django's ``bulk_create`` turns every value into SQL through each field and has psycopg quote the
``UNNEST`` arrays of its inserts element by element; for 1,000 rows of a few columns that costs
more than PostgreSQL takes to store them (docs/benchmarks.md, issue 21). The two writers here take
plain values in column order:

- ``copy_rows``: an insert of rows that need nothing back, as ``COPY … FROM STDIN`` (psycopg 3's
  ``cursor.copy()``, formatted in C); below ``COPY_MIN_ROWS`` rows as one ``INSERT … VALUES``,
  because COPY costs one more round trip than an insert (the single-item API path);
- ``json_rows_upsert``: an ``INSERT … SELECT … FROM json_populate_recordset(…) ON CONFLICT …``
  with all the rows as one JSON parameter, for the upserts COPY cannot do.

Both run in the caller's transaction, triggers and constraints apply as to any insert, and both
go through the connection's execute wrappers and query log, so ``CaptureQueriesContext``,
``django_assert_num_queries`` and the metrics middleware count each as one statement.
"""

from __future__ import annotations

import datetime as dt
import time
import uuid
from collections.abc import Callable, Iterable, Sequence
from decimal import Decimal
from functools import partial
from typing import Any

from django.db import connection

from config.json_text import column_json

COPY_MIN_ROWS = 20


def _run(sql: str, call: Callable[[Any], Any]) -> Any:
    """Run ``call(psycopg cursor)`` as statement ``sql``: through the execute wrappers (the
    metrics middleware counts queries there) and into the query log when queries are logged."""
    with connection.cursor() as cursor:

        def executor(sql: str, params: Any, many: bool, context: dict[str, Any]) -> Any:
            return call(cursor.cursor)

        for wrapper in reversed(connection.execute_wrappers):
            executor = partial(wrapper, executor)
        started = time.monotonic()
        try:
            return executor(sql, None, False, {"connection": connection, "cursor": cursor})
        finally:
            if connection.queries_logged:
                connection.queries_log.append(
                    {"sql": sql, "time": f"{time.monotonic() - started:.3f}"}
                )


def copy_rows(table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> int:
    """Insert ``rows`` (values in ``columns`` order; JSON columns as JSON text) into ``table``.
    One statement, nothing for no rows; returns the number of rows."""
    if not rows:
        return 0
    names = ", ".join(f'"{column}"' for column in columns)
    if len(rows) < COPY_MIN_ROWS:
        one = "(" + ", ".join(["%s"] * len(columns)) + ")"
        # Identifiers come from model metadata, never from input; values are parameters.
        sql = f'INSERT INTO "{table}" ({names}) VALUES ' + ", ".join([one] * len(rows))  # noqa: S608
        params = [value for row in rows for value in row]
        _run(sql, lambda cursor: cursor.execute(sql, params))
        return len(rows)

    statement = f'COPY "{table}" ({names}) FROM STDIN'

    def copy(cursor: Any) -> None:
        with cursor.copy(statement) as stream:
            for row in rows:
                stream.write_row(row)

    _run(f"{statement} -- {len(rows)} rows", copy)  # the log names the row count
    return len(rows)


def _json_default(value: Any) -> Any:
    """Column values as PostgreSQL reads them back from JSON text (full precision, unlike
    ``DjangoJSONEncoder``, which cuts datetimes to milliseconds)."""
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, uuid.UUID | Decimal):
        return str(value)
    raise TypeError(f"Cannot write {type(value).__name__} as a column value.")


def json_rows_upsert(
    *,
    table: str,
    columns: Sequence[str],
    rows: Iterable[Sequence[Any]],
    conflict: Sequence[str],
    update: Sequence[str],
    returning: Sequence[str] = (),
) -> list[tuple]:
    """``INSERT … ON CONFLICT (conflict) DO UPDATE SET update = EXCLUDED.…`` of ``rows`` (values in
    ``columns`` order; JSON columns as Python values, nested as is); the ``returning`` columns of
    every row written. One statement whatever the count."""
    document = column_json(
        [dict(zip(columns, row, strict=True)) for row in rows], default=_json_default
    )
    names = ", ".join(f'"{column}"' for column in columns)
    sets = ", ".join(f'"{column}" = EXCLUDED."{column}"' for column in update)
    # Identifiers come from model metadata; all the rows are one parameter.
    sql = (
        f'INSERT INTO "{table}" ({names}) SELECT {names} FROM '  # noqa: S608
        f'json_populate_recordset(NULL::"{table}", %s::json) '
        f"ON CONFLICT ({', '.join(conflict)}) DO UPDATE SET {sets}"
    )
    if returning:
        sql += " RETURNING " + ", ".join(f'"{column}"' for column in returning)

    def execute(cursor: Any) -> list[tuple]:
        cursor.execute(sql, [document])
        return cursor.fetchall() if returning else []

    return _run(sql, execute)
