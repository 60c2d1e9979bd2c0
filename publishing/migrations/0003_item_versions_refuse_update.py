from django.db import migrations

FUNCTION = """
CREATE OR REPLACE FUNCTION publishing_refuse_version_update() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'item versions are immutable (table %)', TG_TABLE_NAME
        USING ERRCODE = 'restrict_violation';
END;
$$ LANGUAGE plpgsql;
"""

TRIGGER = """
CREATE TRIGGER {table}_refuse_update BEFORE UPDATE ON {table}
FOR EACH ROW EXECUTE FUNCTION publishing_refuse_version_update();
"""

TABLES = ("publishing_promptversion", "publishing_templateversion")


class Migration(migrations.Migration):
    dependencies = [("publishing", "0002_prompts_templates_versions")]

    operations = [
        migrations.RunSQL(FUNCTION, "DROP FUNCTION IF EXISTS publishing_refuse_version_update();"),
        *[
            migrations.RunSQL(
                TRIGGER.format(table=table), f"DROP TRIGGER IF EXISTS {table}_refuse_update ON {table};"
            )
            for table in TABLES
        ],
    ]
