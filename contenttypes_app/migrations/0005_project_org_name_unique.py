"""Project names become unique per organization (constraint ``ct_project_org_name_unique``).

Before this, creating a project with a name already in use quietly gave it a suffixed slug
(``newcomer-site-2``) and the same name. Such duplicates are renamed first, so the constraint can
be added: the oldest project keeps the name, every later one becomes ``"<name> (<slug>)"`` (its slug
is unique in the organization), with a number added in the unlikely case that is taken too.
The unique constraint's index replaces ``ct_project_org_name_idx`` (same columns).
"""

from django.db import migrations, models
from django.db.models import Count


def rename_duplicate_names(apps, schema_editor):
    Project = apps.get_model("contenttypes_app", "Project")
    duplicated = (
        Project.objects.values("organization_id", "name")
        .annotate(count=Count("id"))
        .filter(count__gt=1)
    )
    for group in duplicated:
        projects = Project.objects.filter(
            organization_id=group["organization_id"], name=group["name"]
        ).order_by("created_at", "id")
        for project in list(projects)[1:]:
            base = f"{project.name} ({project.slug})"[:200]
            name, number = base, 2
            while Project.objects.filter(
                organization_id=project.organization_id, name=name
            ).exists():
                suffix = f" {number}"
                name, number = f"{base[: 200 - len(suffix)]}{suffix}", number + 1
            project.name = name
            project.save(update_fields=["name"])


class Migration(migrations.Migration):
    dependencies = [
        ("contenttypes_app", "0004_schemas_as_json"),
        ("publishing", "0005_prompt_template_org_id_idx"),
    ]

    operations = [
        migrations.RunPython(rename_duplicate_names, migrations.RunPython.noop, elidable=True),
        migrations.RemoveIndex(
            model_name="project",
            name="ct_project_org_name_idx",
        ),
        migrations.AddConstraint(
            model_name="project",
            constraint=models.UniqueConstraint(
                fields=("organization", "name"), name="ct_project_org_name_unique"
            ),
        ),
    ]
