# Indexes that another index already serves (issue 21: every batch of 1,000 publishes wrote
# them about 9,000 times): foreign keys that lead a composite or unique index, and the LIKE
# index of varchar primary keys.

import django.db.models.deletion
from django.db import migrations, models

from config.migration_ops import drop_pk_like_indexes


class Migration(migrations.Migration):

    dependencies = [
        ('publishing', '0008_redundant_indexes'),
        ('webhooks', '0001_events_endpoints_deliveries'),
    ]

    operations = [
        migrations.AlterField(
            model_name='event',
            name='organization',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='events', to='publishing.organization'),
        ),
        drop_pk_like_indexes("webhooks.Event"),
    ]
