"""Migration operations the apps share (config knows no app: the models come from ``apps``)."""

from __future__ import annotations

from typing import Any

from django.db import migrations


def _like_index(schema_editor: Any, model: Any) -> tuple[str, str, str]:
    """The ``varchar_pattern_ops`` index Django adds beside a varchar primary key (for LIKE,
    which nothing runs on ids): its name, its table and its column."""
    table, column = model._meta.db_table, model._meta.pk.column
    return schema_editor._create_index_name(table, [column], suffix="_like"), table, column


def drop_pk_like_indexes(*labels: str) -> migrations.RunPython:
    """Drop the primary-key LIKE index of each model (``"app.Model"``); reversible."""

    def forward(apps: Any, schema_editor: Any) -> None:
        for label in labels:
            name, _, _ = _like_index(schema_editor, apps.get_model(label))
            schema_editor.execute(f"DROP INDEX IF EXISTS {schema_editor.quote_name(name)}")

    def backward(apps: Any, schema_editor: Any) -> None:
        quote = schema_editor.quote_name
        for label in labels:
            name, table, column = _like_index(schema_editor, apps.get_model(label))
            schema_editor.execute(
                f"CREATE INDEX IF NOT EXISTS {quote(name)} ON {quote(table)} "
                f"({quote(column)} varchar_pattern_ops)"
            )

    return migrations.RunPython(forward, backward)
