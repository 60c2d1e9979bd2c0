"""The "Moderators" group: moderate marketplace listings and read what moderation needs.

Permissions are normally created by the post_migrate signal, after every migration has run, so on
a fresh database they do not exist yet here: create the marketplace ones first.
"""

from django.db import migrations

GROUP = "Moderators"
PERMISSIONS = [
    ("marketplace", "moderate_listing"),
    ("marketplace", "view_listing"),
    ("marketplace", "view_report"),
    ("marketplace", "view_moderationevent"),
    ("publishing", "view_prompt"),
    ("publishing", "view_template"),
]


def create_group(apps, schema_editor):
    from django.contrib.auth.management import create_permissions

    for label in {app_label for app_label, _ in PERMISSIONS}:
        app_config = apps.get_app_config(label)
        app_config.models_module = True  # the state app has none; create_permissions needs one
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name=GROUP)
    for app_label, codename in PERMISSIONS:
        group.permissions.add(
            Permission.objects.get(content_type__app_label=app_label, codename=codename)
        )


def delete_group(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name=GROUP).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("marketplace", "0002_acquisitions_reports_moderation_search"),
        ("publishing", "0004_item_content_hidden_help_text"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_group, delete_group)]
