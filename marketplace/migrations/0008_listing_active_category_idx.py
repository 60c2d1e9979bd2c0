# Browse by template category (templates only) in the default order; built without blocking
# writes.

from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import migrations, models


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("marketplace", "0007_acquisition_follow_and_pin"),
    ]

    operations = [
        AddIndexConcurrently(
            model_name="listing",
            index=models.Index(
                condition=models.Q(("item_type", "template"), ("status", "active")),
                fields=["snapshot_category", "-featured", "-published_at", "-id"],
                name="listing_active_category_idx",
            ),
        ),
    ]
