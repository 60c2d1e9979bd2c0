"""Indexes for browse sorted by popularity and by name, built without locking writes."""

from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import migrations, models


class Migration(migrations.Migration):
    atomic = False  # CREATE INDEX CONCURRENTLY cannot run in a transaction

    dependencies = [("marketplace", "0010_listing_schedule")]

    operations = [
        AddIndexConcurrently(
            model_name="listing",
            index=models.Index(
                condition=models.Q(("status__in", ("active", "scheduled"))),
                fields=["-usage_count", "-published_at", "-id"],
                name="listing_live_popular_idx",
            ),
        ),
        AddIndexConcurrently(
            model_name="listing",
            index=models.Index(
                condition=models.Q(("status__in", ("active", "scheduled"))),
                fields=["name", "id"],
                name="listing_live_name_idx",
            ),
        ),
    ]
