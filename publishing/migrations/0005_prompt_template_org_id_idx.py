# (organization, id) on prompts and templates, for the bulk commands' keyset batches; built without
# blocking writes.

from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import migrations, models


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("publishing", "0004_item_content_hidden_help_text"),
    ]

    operations = [
        AddIndexConcurrently(
            model_name="prompt",
            index=models.Index(fields=["organization", "id"], name="prompt_org_id_idx"),
        ),
        AddIndexConcurrently(
            model_name="template",
            index=models.Index(fields=["organization", "id"], name="template_org_id_idx"),
        ),
    ]
