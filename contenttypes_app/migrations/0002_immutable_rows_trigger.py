"""Make packages, their captured components and content type versions write-once in PostgreSQL.

The models already refuse ``save()`` of an existing row, ``delete()`` and queryset
``update()``/``delete()``; this trigger also refuses raw SQL ``UPDATE`` and ``DELETE``
(``TRUNCATE``, used by test teardown and deliberate purges, is not affected).
"""

from django.db import migrations

TABLES = (
    "contenttypes_app_package",
    "contenttypes_app_packagecomponent",
    "contenttypes_app_contenttypeversion",
)

FUNCTION = """
CREATE OR REPLACE FUNCTION contenttypes_app_refuse_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION '% rows are immutable: % refused', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'integrity_constraint_violation';
END;
$$ LANGUAGE plpgsql;
"""


def trigger_sql(table: str) -> str:
    return (
        f"CREATE TRIGGER {table}_immutable BEFORE UPDATE OR DELETE ON {table} "
        "FOR EACH ROW EXECUTE FUNCTION contenttypes_app_refuse_change();"
    )


class Migration(migrations.Migration):
    dependencies = [("contenttypes_app", "0001_initial")]

    operations = [
        migrations.RunSQL(
            sql=[FUNCTION, *(trigger_sql(t) for t in TABLES)],
            reverse_sql=[
                *(f"DROP TRIGGER IF EXISTS {t}_immutable ON {t};" for t in TABLES),
                "DROP FUNCTION IF EXISTS contenttypes_app_refuse_change();",
            ],
        )
    ]
