# Indexes that another index already serves (issue 21: every batch of 1,000 publishes wrote
# them about 9,000 times): foreign keys that lead a composite or unique index, and the LIKE
# index of varchar primary keys.

import django.db.models.deletion
from django.db import migrations, models


def _like_index(schema_editor, model):
    """The ``varchar_pattern_ops`` index Django adds beside a varchar primary key (for LIKE,
    which nothing runs on ids): its name, its table and its column."""
    table, column = model._meta.db_table, model._meta.pk.column
    return schema_editor._create_index_name(table, [column], suffix="_like"), table, column


def drop_pk_like_indexes(*models_):
    def forward(apps, schema_editor):
        for label in models_:
            name, _, _ = _like_index(schema_editor, apps.get_model(label))
            schema_editor.execute(f"DROP INDEX IF EXISTS {schema_editor.quote_name(name)}")

    def backward(apps, schema_editor):
        for label in models_:
            name, table, column = _like_index(schema_editor, apps.get_model(label))
            schema_editor.execute(
                f"CREATE INDEX IF NOT EXISTS {schema_editor.quote_name(name)} ON "
                f"{schema_editor.quote_name(table)} ({schema_editor.quote_name(column)} "
                "varchar_pattern_ops)"
            )

    return migrations.RunPython(forward, backward)


class Migration(migrations.Migration):

    dependencies = [
        ('publishing', '0007_template_categories'),
    ]

    operations = [
        migrations.AlterField(
            model_name='auditevent',
            name='organization',
            field=models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='publishing.organization'),
        ),
        migrations.AlterField(
            model_name='prompt',
            name='organization',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='%(class)ss', to='publishing.organization'),
        ),
        migrations.AlterField(
            model_name='promptversion',
            name='item',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='versions', to='publishing.prompt'),
        ),
        migrations.AlterField(
            model_name='template',
            name='organization',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='%(class)ss', to='publishing.organization'),
        ),
        migrations.AlterField(
            model_name='templateversion',
            name='category',
            field=models.SlugField(db_index=False, default='other'),
        ),
        migrations.AlterField(
            model_name='templateversion',
            name='item',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='versions', to='publishing.template'),
        ),
        drop_pk_like_indexes("publishing.Prompt", "publishing.Template"),
    ]
