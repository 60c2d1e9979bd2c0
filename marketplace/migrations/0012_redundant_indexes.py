# The listing versions' foreign key is served by the unique (listing, number) (issue 21).

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('marketplace', '0011_listing_sort_indexes'),
    ]

    operations = [
        migrations.AlterField(
            model_name='listingversion',
            name='listing',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='versions', to='marketplace.listing'),
        ),
    ]
