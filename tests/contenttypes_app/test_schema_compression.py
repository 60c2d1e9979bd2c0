"""Migration 0010: schemas are TOAST-compressed with lz4 where the server was built with it, and
keep PostgreSQL's default (pglz) where it was not; either way they read back intact."""

from __future__ import annotations

import pytest
from django.db import DatabaseError, connection, transaction

COLUMNS = ("contenttypes_app_contenttypeversion", "contenttypes_app_contenttypedefinition")


def server_has_lz4() -> bool:
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("CREATE TEMP TABLE lz4_probe (x json COMPRESSION lz4)")
            transaction.set_rollback(True)
        return True
    except DatabaseError:
        return False


@pytest.mark.django_db
def test_schema_columns_use_lz4_when_the_server_has_it():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT attrelid::regclass::text, attcompression FROM pg_attribute "
            "WHERE attname = 'schema' AND attrelid = ANY(%s::regclass[])",
            [list(COLUMNS)],
        )
        found = dict(cursor.fetchall())
    expected = "l" if server_has_lz4() else ""
    assert found == dict.fromkeys(COLUMNS, expected)
