"""Store each captured component's definition for generated content schemas.

Existing package rows are filled in from their captured schema with the same function package
creation uses. Package rows are write-once (0002's trigger), so the trigger is switched off for
this one backfill, inside the migration's transaction.
"""

from django.db import migrations

import contenttypes_app.models

TABLE = "contenttypes_app_packagecomponent"
TRIGGER = f"{TABLE}_immutable"


def fill_definitions(apps, schema_editor) -> None:
    from contenttypes_app.schema_generation import CapturedComponent, component_definition

    PackageComponent = apps.get_model("contenttypes_app", "PackageComponent")
    rows = PackageComponent.objects.only("component_id", "name", "type", "version", "schema")
    schema_editor.execute(f"ALTER TABLE {TABLE} DISABLE TRIGGER {TRIGGER}")
    batch = []
    for row in rows.iterator(chunk_size=1000):
        captured = CapturedComponent(
            str(row.component_id), row.name, row.type, row.version, row.schema
        )
        row.definition = component_definition(captured)
        batch.append(row)
        if len(batch) == 1000:
            PackageComponent.objects.bulk_update(batch, ["definition"])
            batch = []
    PackageComponent.objects.bulk_update(batch, ["definition"])
    schema_editor.execute(f"ALTER TABLE {TABLE} ENABLE TRIGGER {TRIGGER}")


class Migration(migrations.Migration):
    dependencies = [("contenttypes_app", "0002_immutable_rows_trigger")]

    operations = [
        migrations.AddField(
            model_name="packagecomponent",
            name="definition",
            field=contenttypes_app.models.DocumentJSONField(default=dict),
        ),
        migrations.RunPython(fill_definitions, migrations.RunPython.noop),
    ]
