"""Rows for hot paths: SQL built once per model, instead of through the ORM's query compilers.

Building and compiling a queryset costs the ORM about a millisecond of CPU per statement for a
wide model (``bench/profile_publish.py``: the publish's item lock took ~1.8 ms, of which the
database round trip ~0.1 ms; a one-row ``bulk_create`` ~0.5-0.7 ms). The SQL here is written
from the model's metadata on first use and kept:

``RowReader``: ``SELECT`` every concrete column ``WHERE`` a condition written by hand (``%s``
  placeholders) with an optional suffix such as ``FOR NO KEY UPDATE``; instances come from
  ``Model.from_db`` after the fields' database converters (``JSONField`` decoding), so they equal
  what the queryset would have returned. Rows are written by ``config.bulk_sql`` (``COPY``, or
  one ``INSERT`` for a few rows).

``tests/marketplace/test_publish_locks.py`` compares the reads with the ORM field by field. Only for
fixed statements on the paths the benchmarks measure; anything else stays a queryset.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import connections
from django.db.models import Model


class RowReader:
    """``SELECT <every concrete column> FROM <table> WHERE <where> <suffix>`` for ``model``."""

    def __init__(self, model: type[Model], where: str, suffix: str = "") -> None:
        self.model, self.where, self.suffix = model, where, suffix
        self._compiled: dict[str, tuple[str, list[str], list[tuple[int, list, Any]]]] = {}

    def _compile(self, alias: str) -> tuple[str, list[str], list[tuple[int, list, Any]]]:
        connection = connections[alias]
        fields = self.model._meta.concrete_fields
        quote = connection.ops.quote_name
        columns = ", ".join(quote(field.column) for field in fields)
        # Identifiers from the model, the condition from code; values go as parameters.
        sql = f"SELECT {columns} FROM {quote(self.model._meta.db_table)} WHERE {self.where}"  # noqa: S608
        if self.suffix:
            sql = f"{sql} {self.suffix}"
        converters = []
        for index, field in enumerate(fields):
            column = field.get_col(self.model._meta.db_table)
            found = connection.ops.get_db_converters(column) + field.get_db_converters(connection)
            if found:
                converters.append((index, found, column))
        return sql, [field.attname for field in fields], converters

    def fetch(self, params: Sequence[Any], *, using: str = "default") -> list[Model]:
        """The matching rows as model instances, in the database's order."""
        compiled = self._compiled.get(using)
        if compiled is None:
            compiled = self._compiled[using] = self._compile(using)
        sql, names, converters = compiled
        connection = connections[using]
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            rows = cursor.fetchall()
        instances = []
        for row in rows:
            if converters:
                row = list(row)
                for index, functions, column in converters:
                    value = row[index]
                    for function in functions:
                        value = function(value, column, connection)
                    row[index] = value
            instances.append(self.model.from_db(using, names, row))
        return instances
