"""The whole generated schema built in memory: the reference the SQL assembly is tested against.

Publishing never builds this document in Python: it builds the frame (``build_schema_frame``) and
PostgreSQL attaches the definitions packages stored (``contenttypes_app.sql.content_schema_sql``).
The tests compare that result with this function, made of the same public pieces, so it lives with
them rather than as code the app never calls.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from contenttypes_app import allow_list as al
from contenttypes_app.schema_generation import (
    CapturedComponent,
    build_schema_frame,
    component_definition,
)


def build_content_schema(
    *,
    title: str,
    description: str,
    layout: CapturedComponent,
    allow_list: al.AllowList,
    components: Mapping[str, CapturedComponent],
) -> dict[str, Any]:
    """The whole draft-07 schema, in memory: the frame plus a definition per allow-listed
    component. Publishing builds the same document in PostgreSQL from the definitions packages
    stored (``content_schema_sql``); this function is the reference it is tested against."""
    allowed = [components[cid] for cid in al.component_ids(allow_list)]
    schema = build_schema_frame(
        title=title,
        description=description,
        layout=layout,
        allow_list=allow_list,
        names={c.id: c.name for c in allowed},
    )
    definitions = {c.name: component_definition(c) for c in sorted(allowed, key=lambda c: c.name)}
    if definitions:
        schema["definitions"] = definitions
    return schema
