"""Rows for hot paths: SQL built once per model, instead of through the ORM's query compilers.

Building and compiling a queryset costs the ORM about a millisecond of CPU per statement for a
wide model (``bench/profile_publish.py``: the publish's item lock took ~1.8 ms, of which the
database round trip ~0.1 ms; a one-row ``bulk_create`` ~0.5-0.7 ms). The SQL here is written
from the model's metadata on first use and kept:

- ``RowReader``: ``SELECT`` every concrete column ``WHERE`` a condition written by hand (``%s``
  placeholders) with an optional suffix such as ``FOR NO KEY UPDATE``; instances come from
  ``Model.from_db`` after the fields' database converters (``JSONField`` decoding), so they equal
  what the queryset would have returned;
- ``RowWriter``: the ``INSERT`` (or upsert) that ``bulk_create`` sends for a few rows.

``tests/marketplace/test_publish_locks.py`` compares both with the ORM field by field. Only for
fixed statements on the paths the benchmarks measure; anything else stays a queryset.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import connections
from django.db.models import AutoField, Model


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


class RowWriter:
    """``bulk_create`` for the few rows of one request, with the SQL text built per call from
    cached field lists instead of through the ORM's insert compiler.

    It writes what ``bulk_create`` would: the same columns (no generated ones, no auto primary key
    for rows without one), values from each field's ``pre_save`` and ``get_db_prep_save``,
    ``ON CONFLICT (unique) DO UPDATE SET f = EXCLUDED.f`` when ``update_fields`` are given, and
    ``RETURNING`` the model's returning fields, set on the instances as ``bulk_create`` sets them.
    More than ``MAX_ROWS`` rows, or a value that is an expression (a database default, ``F()``),
    go through ``bulk_create`` itself, so batches keep its ``UNNEST`` form.
    """

    MAX_ROWS = 20

    def __init__(
        self,
        model: type[Model],
        *,
        unique_fields: Sequence[str] = (),
        update_fields: Sequence[str] = (),
    ) -> None:
        self.model = model
        self.unique_fields, self.update_fields = list(unique_fields), list(update_fields)
        self._compiled: dict[tuple[str, bool], tuple[list, str, str]] = {}

    def _orm(self, objs: list[Model], using: str) -> list[Model]:
        options: dict[str, Any] = {}
        if self.update_fields:
            options = {
                "update_conflicts": True,
                "unique_fields": self.unique_fields,
                "update_fields": self.update_fields,
            }
        return self.model._base_manager.using(using).bulk_create(objs, **options)

    def _compile(self, using: str, with_pk: bool) -> tuple[list, str, str]:
        """(fields, ``INSERT INTO t (cols) VALUES``, the conflict and returning suffix)."""
        opts = self.model._meta
        quote = connections[using].ops.quote_name
        fields = [f for f in opts.concrete_fields if not f.generated]
        if not with_pk:
            fields = [f for f in fields if not isinstance(f, AutoField)]
        columns = ", ".join(quote(f.column) for f in fields)
        head = f"INSERT INTO {quote(opts.db_table)} ({columns}) VALUES "  # noqa: S608 - identifiers
        suffix = ""
        if self.update_fields:
            unique = ", ".join(quote(opts.get_field(n).column) for n in self.unique_fields)
            updates = ", ".join(
                f"{column} = EXCLUDED.{column}"
                for column in (quote(opts.get_field(n).column) for n in self.update_fields)
            )
            suffix = f" ON CONFLICT({unique}) DO UPDATE SET {updates}"
        returning = opts.db_returning_fields
        if returning:
            suffix += " RETURNING " + ", ".join(quote(f.column) for f in returning)
        return fields, head, suffix

    def insert(self, objs: Sequence[Model], *, using: str = "default") -> list[Model]:
        """Insert (or upsert) ``objs``; returns them, as ``bulk_create`` does."""
        objs = list(objs)
        if not objs:
            return objs
        if len(objs) > self.MAX_ROWS:
            return self._orm(objs, using)
        connection = connections[using]
        opts = self.model._meta
        for obj in objs:  # what bulk_create's preparation does
            if not obj._is_pk_set():
                obj.pk = opts.pk.get_pk_value_on_save(obj)
            obj._prepare_related_fields_for_save(operation_name="bulk_create")
        groups = []
        for with_pk in (True, False):
            group = [obj for obj in objs if obj._is_pk_set() == with_pk]
            if not group:
                continue
            key = (using, with_pk)
            compiled = self._compiled.get(key)
            if compiled is None:
                compiled = self._compiled[key] = self._compile(using, with_pk)
            fields = compiled[0]
            params: list[Any] = []
            for obj in group:
                for field in fields:
                    value = field.pre_save(obj, True)
                    if hasattr(value, "resolve_expression"):
                        return self._orm(objs, using)  # nothing sent yet
                    params.append(field.get_db_prep_save(value, connection))
            groups.append((group, with_pk, compiled, params))
        returning = opts.db_returning_fields
        for group, with_pk, (fields, head, suffix), params in groups:
            row = "(" + ", ".join(["%s"] * len(fields)) + ")"
            with connection.cursor() as cursor:
                cursor.execute(head + ", ".join([row] * len(group)) + suffix, params)
                results = cursor.fetchall() if returning else []
            for obj, result in zip(group, results, strict=False):
                for value, field in zip(result, returning, strict=True):
                    if not with_pk or field != opts.pk:
                        setattr(obj, field.attname, value)
            for obj in group:
                obj._state.adding = False
                obj._state.db = using
        return objs
