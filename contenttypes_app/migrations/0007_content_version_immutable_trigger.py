"""Make content versions write-once in PostgreSQL, with migration 0002's trigger function."""

from django.db import migrations

TABLE = "contenttypes_app_contentversion"


class Migration(migrations.Migration):
    dependencies = [("contenttypes_app", "0006_content_and_versions")]

    operations = [
        migrations.RunSQL(
            sql=(
                f"CREATE TRIGGER {TABLE}_immutable BEFORE UPDATE OR DELETE ON {TABLE} "
                "FOR EACH ROW EXECUTE FUNCTION contenttypes_app_refuse_change();"
            ),
            reverse_sql=f"DROP TRIGGER IF EXISTS {TABLE}_immutable ON {TABLE};",
        )
    ]
