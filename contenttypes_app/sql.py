"""SQL expressions of content-type publishing, for the ORM to embed in its queries.

Publishing a large allow-list stays cheap because ids travel as one array parameter and the
generated schema is assembled inside PostgreSQL from the definitions packages stored. Table and
column names come from the models; every value is a query parameter.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from django.db import models
from django.db.models import BooleanField, Case, F, When
from django.db.models.expressions import RawSQL
from django.db.models.functions import Cast

from contenttypes_app.models import Component, ContentTypeVersion, PackageComponent


def uuid_array(ids: Iterable[str]) -> str:
    """``ids`` (canonical UUID strings, as serializers store them) as one PostgreSQL array literal,
    for ``= ANY(%s::uuid[])``: one parameter instead of one per id keeps binding cheap for
    allow-lists of a thousand components."""
    return "{" + ",".join(map(str, ids)) + "}"


def id_in(model: type[models.Model], column: str, ids: Iterable[str]) -> RawSQL:
    """A filter on ``model``'s queries: its ``column`` is one of ``ids``."""
    return RawSQL(
        f'"{model._meta.db_table}"."{column}" = ANY(%s::uuid[])',
        [uuid_array(ids)],
        output_field=BooleanField(),
    )


def as_text(column: str) -> Cast:
    """A column read as its text: a UUID in the canonical form allow-lists hold, a ``json``
    document as stored."""
    return Cast(column, output_field=models.TextField())


def layout_schemas_only() -> Case:
    """A component row's ``schema`` if it is a layout, else null: validating and framing a
    content type read only its layout's schema, however long the allow-list."""
    return Case(When(type=Component.Type.LAYOUT, then=F("schema")), output_field=models.JSONField())


def content_schema_sql(frame: dict[str, Any], package_id: Any, component_ids: list[str]) -> RawSQL:
    """The generated schema as an SQL expression: ``frame`` plus a ``definitions`` object (sorted
    by name) made of the package's stored definitions of ``component_ids``; no ``definitions``
    key when there are none. The same document as the in-memory reference the tests hold
    (``tests/contenttypes_app/schema_reference.py``).

    The definitions never pass through Python, and the document is assembled with
    ``json_object_agg`` from ``json`` values (the frame's members, in their order, then the
    definitions), which appends each value's stored text as it is: nothing of the hundreds of kB
    a large allow-list makes is parsed again, as a cast of concatenated text to ``json`` would.
    """
    framed = json.dumps(frame, separators=(",", ":"))  # a dict: "{...}", never empty
    table = PackageComponent._meta.db_table
    definitions = (
        "SELECT 'definitions', json_object_agg(pc.name, pc.definition ORDER BY pc.name), 0"
        f" FROM {table} pc WHERE pc.package_id = %s AND pc.component_id = ANY(%s::uuid[])"
        " HAVING count(*) > 0"
    )
    return RawSQL(
        "(SELECT json_object_agg(m.key, m.value ORDER BY m.last, m.n) FROM ("
        "SELECT f.key, f.value, f.n, 0 AS last FROM json_each(%s::json) WITH ORDINALITY"
        " AS f(key, value, n)"
        f" UNION ALL SELECT d.*, 1 FROM ({definitions}) d"
        ") m)",
        [framed, package_id, uuid_array(component_ids)],
        output_field=models.JSONField(),
    )


def version_schema_sql(definition_id: Any, number: int) -> RawSQL:
    """Version ``number``'s schema, copied inside PostgreSQL (the definition mirrors it)."""
    table = ContentTypeVersion._meta.db_table
    return RawSQL(
        f"(SELECT v.schema FROM {table} v WHERE v.definition_id = %s AND v.version = %s)",
        [definition_id, number],
        output_field=models.JSONField(),
    )
