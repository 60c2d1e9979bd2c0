"""Turn ``allow_editable_references`` off on listings whose content is hidden.

An editable reference to hidden content let a holder overwrite a body it could not see (issue
14.2); publish and PATCH now refuse the combination. Listings that already have it lose the
permission here: **their holders' references become read-only** (editing through them answers
403). The acquisitions keep ``is_editable``, so if the publisher later makes the content visible
and allows editable references again, those holders can edit again without re-acquiring.
"""

from django.db import migrations


def editable_references_off_for_hidden_content(apps, schema_editor):
    Listing = apps.get_model("marketplace", "Listing")
    Listing.objects.filter(is_content_visible=False, allow_editable_references=True).update(
        allow_editable_references=False
    )


class Migration(migrations.Migration):
    dependencies = [("marketplace", "0004_listing_active_newest_idx")]

    operations = [
        migrations.RunPython(editable_references_off_for_hidden_content, migrations.RunPython.noop)
    ]
