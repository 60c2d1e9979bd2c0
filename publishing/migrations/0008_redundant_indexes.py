# Indexes that another index already serves (issue 21: every batch of 1,000 publishes wrote
# them about 9,000 times): foreign keys that lead a composite or unique index, and the LIKE
# index of varchar primary keys.

import django.db.models.deletion
from django.db import migrations, models

from config.migration_ops import drop_pk_like_indexes


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
