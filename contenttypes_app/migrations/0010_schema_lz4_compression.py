"""Compress content-type schemas with lz4 where the server has it.

A publish writes the generated schema (394 kB of JSON at 1,000 allowed components) into the new
version, and the definition copies it. PostgreSQL's default TOAST compression, pglz, spends about
3 ms compressing that document; lz4 does it in about 1 ms for a few percent more bytes (59 kB vs
61 kB stored), and copies of an already compressed value stay as they are.

lz4 is optional in PostgreSQL builds (``--with-lz4``): the shared 15 server has it, the embedded
``pgserver`` 16 has not. So the column setting is tried inside a savepoint and skipped where the
server refuses it; pglz then stays, and nothing else differs. Only new values are affected (the
setting is metadata; existing rows are never rewritten), and the state of the models is unchanged.
"""

from django.db import migrations, transaction
from django.db.utils import DatabaseError, NotSupportedError

COLUMNS = (
    ("contenttypes_app_contenttypeversion", "schema"),
    ("contenttypes_app_contenttypedefinition", "schema"),
)


def _set_compression(schema_editor, method: str) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    for table, column in COLUMNS:
        try:
            with transaction.atomic(using=schema_editor.connection.alias):
                schema_editor.execute(
                    f'ALTER TABLE "{table}" ALTER COLUMN "{column}" SET COMPRESSION {method}'
                )
        except (NotSupportedError, DatabaseError):
            return  # compiled without lz4 (or older than 14): pglz stays


def use_lz4(apps, schema_editor) -> None:
    _set_compression(schema_editor, "lz4")


def use_default(apps, schema_editor) -> None:
    _set_compression(schema_editor, "default")


class Migration(migrations.Migration):

    dependencies = [
        ("contenttypes_app", "0009_publish_schedules"),
    ]

    operations = [
        migrations.RunPython(use_lz4, use_default),
    ]
