# Browse's default order over active listings, built without blocking writes to the listing table.

from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import migrations, models


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("marketplace", "0003_moderators_group"),
    ]

    operations = [
        AddIndexConcurrently(
            model_name="listing",
            index=models.Index(
                condition=models.Q(("status", "active")),
                fields=["-featured", "-published_at", "-id"],
                name="listing_active_newest_idx",
            ),
        ),
    ]
