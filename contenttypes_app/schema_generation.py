"""Generate a content type's JSON Schema (draft-07) from its package's component schemas.

The document a content type describes is an object with:

- the layout component's properties at the top level (its ``required`` list too);
- for every **slot** of the layout, an array of components. A slot is a layout property that
  carries ``"x-slot"``: ``true`` (or ``"*"``) accepts every allow-listed component, a string
  accepts the components of the allow-list group with that id. A layout without any slot gets one
  slot named ``components`` accepting every allow-listed component;
- each array item is ``oneOf`` the accepted components, each branch a ``$ref`` to
  ``#/definitions/<ComponentName>``, an object whose ``type`` property is the constant component
  name (the discriminator) plus the component's own properties.

Objects are closed (``additionalProperties: false``) unless the component's schema says otherwise.
The output is deterministic for a given input: definitions are sorted by component name, branches
follow the allow-list order.

A component's definition depends only on the component as a package captured it, so it is computed
once, when the package is created (``PackageComponent.definition``). Publishing builds the frame
(everything but ``definitions``) here and lets PostgreSQL attach the stored definitions, so its
cost in Python does not grow with the size of the component schemas (docs/benchmarks.md). The
whole document built in memory, the reference that assembly is tested against, is
``tests/contenttypes_app/schema_reference.py``.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from contenttypes_app import allow_list as al

DRAFT_07 = "http://json-schema.org/draft-07/schema#"
SLOT_KEYWORD = "x-slot"
DEFAULT_SLOT = "components"
DISCRIMINATOR = "type"
# Keywords of a slot property carried over to the generated array.
_SLOT_KEPT = ("title", "description", "minItems", "maxItems")


@dataclass(frozen=True)
class CapturedComponent:
    """A component as a package captured it (or, for the ``draft`` package, as it is now)."""

    id: str
    name: str
    type: str
    version: int | None
    schema: Mapping[str, Any] | None


class SlotGroupError(ValueError):
    """The layout has slots naming groups that the allow-list does not define."""

    def __init__(self, unknown_groups: list[str]) -> None:
        self.unknown_groups = unknown_groups
        super().__init__(f"Layout slots reference unknown groups: {', '.join(unknown_groups)}")


def component_definition(component: CapturedComponent) -> dict[str, Any]:
    """The component as an entry of ``definitions``: computed once, when a package captures it."""
    source = component.schema or {}
    properties = {DISCRIMINATOR: {"const": component.name}}
    properties.update(source.get("properties") or {})
    properties[DISCRIMINATOR] = {"const": component.name}  # the discriminator always wins
    required = [DISCRIMINATOR, *[r for r in source.get("required", []) if r != DISCRIMINATOR]]
    definition: dict[str, Any] = {"title": source.get("title", component.name)}
    if source.get("description"):
        definition["description"] = source["description"]
    definition.update(
        {
            "type": "object",
            "properties": properties,
            "required": required,
            "additionalProperties": source.get("additionalProperties", False),
            "x-componentId": component.id,
            "x-componentVersion": component.version,
        }
    )
    return definition


def _slot_array(slot: Mapping[str, Any], names: list[str]) -> dict[str, Any]:
    array: dict[str, Any] = {key: copy.deepcopy(slot[key]) for key in _SLOT_KEPT if key in slot}
    array["type"] = "array"
    if names:
        array["items"] = {"oneOf": [{"$ref": f"#/definitions/{name}"} for name in names]}
    else:
        array["maxItems"] = 0  # nothing is allowed here; an empty oneOf is not a valid schema
    return array


def build_schema_frame(
    *,
    title: str,
    description: str,
    layout: CapturedComponent,
    allow_list: al.AllowList,
    names: Mapping[str, str],
) -> dict[str, Any]:
    """The schema of documents of this content type, without its ``definitions``.

    ``names`` maps every allow-listed component id to its name (the caller has already checked
    that each one is present); only the layout's schema is read. Raises ``SlotGroupError`` when a
    slot names a group the allow-list lacks.
    """
    all_names = [names[cid] for cid in al.component_ids(allow_list)]
    group_names = {
        str(group["id"]): [names[str(cid)] for cid in group.get("componentIds", [])]
        for group in al.groups(allow_list)
    }

    layout_schema = layout.schema or {}
    properties = copy.deepcopy(dict(layout_schema.get("properties") or {}))
    unknown: list[str] = []
    has_slot = False
    for name, prop in list(properties.items()):
        if not isinstance(prop, dict) or SLOT_KEYWORD not in prop:
            continue
        has_slot = True
        target = prop[SLOT_KEYWORD]
        if target is True or target == "*":
            properties[name] = _slot_array(prop, all_names)
        elif isinstance(target, str) and target in group_names:
            properties[name] = _slot_array(prop, list(dict.fromkeys(group_names[target])))
        else:
            unknown.append(str(target))
    if unknown:
        raise SlotGroupError(sorted(set(unknown)))
    if not has_slot and DEFAULT_SLOT not in properties:
        properties[DEFAULT_SLOT] = _slot_array({}, all_names)

    schema: dict[str, Any] = {"$schema": DRAFT_07, "title": title}
    if description:
        schema["description"] = description
    schema.update(
        {
            "type": "object",
            "properties": properties,
            "required": list(layout_schema.get("required", [])),
            "additionalProperties": copy.deepcopy(layout_schema.get("additionalProperties", False)),
            "x-layout": {"id": layout.id, "name": layout.name, "version": layout.version},
        }
    )
    return schema


def component_schema_problems(schema: Any) -> list[str]:
    """What is wrong with a component's ``schema`` (empty when it is usable).

    A component schema is a self-contained draft-07 object schema: ``type`` is ``object`` when
    given, ``properties`` is an object, there is no ``$ref`` (the schema is embedded in another
    document, where references would resolve elsewhere), and the property ``type`` is reserved for
    the discriminator.
    """
    from jsonschema import Draft7Validator
    from jsonschema.exceptions import SchemaError

    if not isinstance(schema, dict):
        return ["Must be a JSON object (a JSON Schema)."]
    problems: list[str] = []
    try:
        Draft7Validator.check_schema(schema)
    except SchemaError as exc:
        problems.append(f"Not a valid JSON Schema (draft-07): {exc.message}")
    if schema.get("type", "object") != "object":
        problems.append('The root "type" must be "object".')
    properties = schema.get("properties", {})
    if not isinstance(properties, dict):
        problems.append('"properties" must be an object.')
    elif DISCRIMINATOR in properties:
        problems.append(f'The property "{DISCRIMINATOR}" is reserved for the component name.')
    if _contains_ref(schema):
        problems.append('"$ref" is not supported: component schemas must be self-contained.')
    return problems


def _contains_ref(value: Any) -> bool:
    if isinstance(value, dict):
        return "$ref" in value or any(_contains_ref(v) for v in value.values())
    if isinstance(value, list):
        return any(_contains_ref(v) for v in value)
    return False
