# Scheduled listings (issue 19): per-scope publish_at / unpublish_at, the status "scheduled",
# browse's partial indexes over active *and* scheduled listings (reads exclude the not-yet-live
# ones with an index range on published_at), the sweep's small partial indexes, and
# marketplace_now(), the clock every visibility query compares with.
#
# Not atomic: the indexes are built CONCURRENTLY (browse keeps its old index until the new one
# is ready, then the old one is dropped).

from django.contrib.postgres.operations import AddIndexConcurrently, RemoveIndexConcurrently
from django.db import migrations, models

CLOCK_SQL = """
CREATE OR REPLACE FUNCTION marketplace_now() RETURNS timestamptz
LANGUAGE sql STABLE PARALLEL SAFE AS $$
  SELECT COALESCE(
    NULLIF(current_setting('marketplace.now', true), '')::timestamptz,
    statement_timestamp()
  )
$$;
COMMENT ON FUNCTION marketplace_now() IS
  'The clock listing visibility compares with: the statement''s time, or the session''s '
  'marketplace.now when set (tests freeze the clock with SET LOCAL marketplace.now).';
"""


STATUS_CHOICES = [
    ("active", "Active"),
    ("pending_review", "Pending review"),
    ("rejected", "Rejected"),
    ("suspended", "Suspended"),
    ("unpublished", "Unpublished"),
    ("scheduled", "Scheduled"),
]


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("marketplace", "0009_listing_pending_version"),
    ]

    operations = [
        migrations.RunSQL(CLOCK_SQL, "DROP FUNCTION IF EXISTS marketplace_now()"),
        migrations.AddField(
            model_name="listing",
            name="publish_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="listing",
            name="unpublish_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AlterField(
            model_name="listing",
            name="status",
            field=models.CharField(
                choices=STATUS_CHOICES,
                max_length=20,
            ),
        ),
        migrations.AlterField(
            model_name="moderationevent",
            name="from_status",
            field=models.CharField(
                choices=STATUS_CHOICES,
                max_length=20,
            ),
        ),
        migrations.AlterField(
            model_name="moderationevent",
            name="to_status",
            field=models.CharField(
                choices=STATUS_CHOICES,
                max_length=20,
            ),
        ),
        migrations.AddConstraint(
            model_name="listing",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("publish_at__isnull", True),
                    ("unpublish_at__isnull", True),
                    ("unpublish_at__gt", models.F("publish_at")),
                    _connector="OR",
                ),
                name="listing_unpublish_after_publish",
            ),
        ),
        AddIndexConcurrently(
            model_name="listing",
            index=models.Index(
                condition=models.Q(("status__in", ("active", "scheduled"))),
                fields=["-featured", "-published_at", "-id"],
                name="listing_live_newest_idx",
            ),
        ),
        AddIndexConcurrently(
            model_name="listing",
            index=models.Index(
                condition=models.Q(
                    ("item_type", "template"), ("status__in", ("active", "scheduled"))
                ),
                fields=["snapshot_category", "-featured", "-published_at", "-id"],
                name="listing_live_category_idx",
            ),
        ),
        RemoveIndexConcurrently(model_name="listing", name="listing_active_newest_idx"),
        RemoveIndexConcurrently(model_name="listing", name="listing_active_category_idx"),
        AddIndexConcurrently(
            model_name="listing",
            index=models.Index(
                condition=models.Q(("status", "scheduled")),
                fields=["publish_at"],
                name="listing_publish_at_idx",
            ),
        ),
        AddIndexConcurrently(
            model_name="listing",
            index=models.Index(
                condition=models.Q(
                    ("status__in", ("active", "scheduled")), ("unpublish_at__isnull", False)
                ),
                fields=["unpublish_at"],
                name="listing_unpublish_at_idx",
            ),
        ),
    ]
