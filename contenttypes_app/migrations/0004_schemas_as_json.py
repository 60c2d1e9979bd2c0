"""Generated content schemas become PostgreSQL ``json`` (see ``DocumentJSONField``)."""

import contenttypes_app.models
from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('contenttypes_app', '0003_packagecomponent_definition'),
    ]

    operations = [
        migrations.AlterField(
            model_name='contenttypedefinition',
            name='schema',
            field=contenttypes_app.models.DocumentJSONField(blank=True, null=True),
        ),
        migrations.AlterField(
            model_name='contenttypeversion',
            name='schema',
            field=contenttypes_app.models.DocumentJSONField(),
        ),
    ]
