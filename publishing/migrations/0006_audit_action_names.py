"""Audit actions follow ``<app>.<entity>.<verb>``: rename the content-type rows already written.

One ``UPDATE … CASE`` each way. ``contenttypes.status`` was both the soft delete and the restore;
the row's ``details.to`` tells them apart, and both go back to ``contenttypes.status``.
"""

from django.db import migrations

RENAMES = {
    "contenttypes.create": "contenttypes.content_type.create",
    "contenttypes.update": "contenttypes.content_type.update",
    "contenttypes.publish": "contenttypes.content_type.publish",
    "contenttypes.rollback": "contenttypes.content_type.rollback",
    "contenttypes.unpublish": "contenttypes.content_type.unpublish",
    "contenttypes.discard": "contenttypes.content_type.discard",
    "contenttypes.package_version": "contenttypes.content_type.change_package_version",
}
STATUS = "contenttypes.status"
DELETE = "contenttypes.content_type.delete"
RESTORE = "contenttypes.content_type.restore"


def _case(mapping):
    whens = " ".join("WHEN %s THEN %s" for _ in mapping)
    params = [value for pair in mapping.items() for value in pair]
    return whens, params


def forward(apps, schema_editor):
    whens, params = _case(RENAMES)
    schema_editor.execute(
        "UPDATE publishing_auditevent SET action = CASE action "
        f"{whens} WHEN %s THEN CASE WHEN details->>'to' = 'deleted' THEN %s ELSE %s END "
        "END WHERE action IN (" + ", ".join(["%s"] * (len(RENAMES) + 1)) + ")",
        [*params, STATUS, DELETE, RESTORE, *RENAMES, STATUS],
    )


def backward(apps, schema_editor):
    reverse = {new: old for old, new in RENAMES.items()} | {DELETE: STATUS, RESTORE: STATUS}
    whens, params = _case(reverse)
    schema_editor.execute(
        f"UPDATE publishing_auditevent SET action = CASE action {whens} END "
        "WHERE action IN (" + ", ".join(["%s"] * len(reverse)) + ")",
        [*params, *reverse],
    )


class Migration(migrations.Migration):
    dependencies = [("publishing", "0005_prompt_template_org_id_idx")]

    operations = [migrations.RunPython(forward, backward, elidable=True)]
