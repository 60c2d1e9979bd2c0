"""JSON Schema (draft-07) generation from component schemas — pure functions, no database."""

from __future__ import annotations

import pytest
from jsonschema import Draft7Validator

from contenttypes_app.schema_generation import (
    DRAFT_07,
    CapturedComponent,
    SlotGroupError,
    component_schema_problems,
)
from tests.contenttypes_app.schema_reference import build_content_schema

LAYOUT = CapturedComponent(
    id="l",
    name="Page",
    type="layout",
    version=2,
    schema={
        "type": "object",
        "properties": {
            "title": {"type": "string"},
            "main": {"type": "array", "x-slot": True, "minItems": 1, "description": "Main"},
            "aside": {"type": "array", "x-slot": "sidebar", "maxItems": 2},
        },
        "required": ["title"],
    },
)
HERO = CapturedComponent(
    "h",
    "Hero",
    "view",
    1,
    {
        "type": "object",
        "description": "A banner",
        "properties": {"heading": {"type": "string"}, "level": {"type": "integer"}},
        "required": ["heading"],
    },
)
TEXT = CapturedComponent("t", "Text", "view", 3, {"properties": {"html": {"type": "string"}}})
ADS = CapturedComponent("a", "Ad", "view", 1, {"type": "object", "additionalProperties": True})
COMPONENTS = {c.id: c for c in (LAYOUT, HERO, TEXT, ADS)}


def build(allow_list, layout=LAYOUT, **kw):
    return build_content_schema(
        title=kw.get("title", "Article"),
        description=kw.get("description", "An article"),
        layout=layout,
        allow_list=allow_list,
        components=COMPONENTS,
    )


@pytest.fixture
def schema():
    return build(["h", "t", {"id": "sidebar", "componentIds": ["a", "t"]}])


def test_it_is_a_valid_draft7_schema(schema):
    assert schema["$schema"] == DRAFT_07
    Draft7Validator.check_schema(schema)


def test_the_layout_properties_are_at_the_top_level(schema):
    assert schema["title"] == "Article"
    assert schema["description"] == "An article"
    assert schema["type"] == "object"
    assert schema["properties"]["title"] == {"type": "string"}
    assert schema["required"] == ["title"]
    assert schema["additionalProperties"] is False
    assert schema["x-layout"] == {"id": "l", "name": "Page", "version": 2}


def test_slots_become_arrays_of_one_of_the_allowed_components(schema):
    main = schema["properties"]["main"]
    assert main == {
        "description": "Main",
        "minItems": 1,
        "type": "array",
        "items": {
            "oneOf": [
                {"$ref": "#/definitions/Hero"},
                {"$ref": "#/definitions/Text"},
                {"$ref": "#/definitions/Ad"},
            ]
        },
    }
    aside = schema["properties"]["aside"]
    assert aside["items"]["oneOf"] == [{"$ref": "#/definitions/Ad"}, {"$ref": "#/definitions/Text"}]
    assert aside["maxItems"] == 2
    assert "x-slot" not in aside


def test_each_branch_is_keyed_by_a_type_constant(schema):
    hero = schema["definitions"]["Hero"]
    assert hero["properties"]["type"] == {"const": "Hero"}
    assert hero["required"] == ["type", "heading"]
    assert hero["description"] == "A banner"
    assert hero["additionalProperties"] is False
    assert (hero["x-componentId"], hero["x-componentVersion"]) == ("h", 1)
    assert list(schema["definitions"]) == ["Ad", "Hero", "Text"]  # sorted, deterministic
    assert schema["definitions"]["Ad"]["additionalProperties"] is True  # the component's choice


def test_documents_validate_against_it(schema):
    validator = Draft7Validator(schema)
    good = {
        "title": "Hello",
        "main": [{"type": "Hero", "heading": "Hi", "level": 1}, {"type": "Text", "html": "<p>"}],
        "aside": [{"type": "Ad", "anything": 1}],
    }
    assert not list(validator.iter_errors(good))
    bad_documents = [
        {"main": [{"type": "Text"}]},  # title missing
        {"title": "x", "main": []},  # minItems
        {"title": "x", "main": [{"type": "Hero"}]},  # heading missing
        {"title": "x", "main": [{"type": "Nope"}]},  # not an allowed component
        {"title": "x", "main": [{"type": "Text"}], "aside": [{"type": "Hero", "heading": "h"}]},
        {"title": "x", "main": [{"type": "Text", "extra": 1}]},  # closed object
        {"title": "x", "main": [{"type": "Text"}], "unknown": True},
    ]
    for document in bad_documents:
        assert list(validator.iter_errors(document)), document


def test_a_layout_without_slots_gets_a_components_array():
    plain = CapturedComponent(
        "l", "Plain", "layout", 1, {"properties": {"title": {"type": "string"}}}
    )
    schema = build(["h"], layout=plain)
    assert schema["properties"]["components"] == {
        "type": "array",
        "items": {"oneOf": [{"$ref": "#/definitions/Hero"}]},
    }
    Draft7Validator.check_schema(schema)


def test_an_empty_allow_list_allows_no_components():
    properties = {k: v for k, v in LAYOUT.schema["properties"].items() if k != "aside"}
    one_slot = CapturedComponent("l", "Page", "layout", 2, {"properties": properties})
    schema = build([], layout=one_slot)
    assert schema["properties"]["main"] == {
        "description": "Main",
        "minItems": 1,
        "type": "array",
        "maxItems": 0,
    }
    assert "definitions" not in schema
    Draft7Validator.check_schema(schema)


def test_a_slot_naming_an_unknown_group_is_an_error():
    with pytest.raises(SlotGroupError) as info:
        build(["h"])
    assert info.value.unknown_groups == ["sidebar"]


def test_the_discriminator_cannot_be_overridden():
    sneaky = CapturedComponent(
        "h", "Hero", "view", 1, {"properties": {"type": {"type": "integer"}}}
    )
    schema = build_content_schema(
        title="T",
        description="",
        layout=CapturedComponent("l", "P", "layout", 1, {}),
        allow_list=["h"],
        components={"h": sneaky},
    )
    assert schema["definitions"]["Hero"]["properties"]["type"] == {"const": "Hero"}
    assert "description" not in schema


def test_generation_does_not_mutate_its_inputs():
    before = repr(LAYOUT.schema), repr(HERO.schema)
    build(["h", {"id": "sidebar", "componentIds": ["a"]}])
    assert (repr(LAYOUT.schema), repr(HERO.schema)) == before


@pytest.mark.parametrize(
    ("schema", "problem"),
    [
        ([], "JSON object"),
        ({"type": "array"}, '"object"'),
        ({"type": 12}, "draft-07"),
        ({"properties": []}, '"properties"'),
        ({"properties": {"type": {"type": "string"}}}, "reserved"),
        ({"properties": {"a": {"$ref": "#/definitions/x"}}}, "$ref"),
    ],
)
def test_component_schema_problems(schema, problem):
    problems = component_schema_problems(schema)
    assert any(problem in p for p in problems), problems


def test_a_good_component_schema_has_no_problems():
    assert component_schema_problems(HERO.schema) == []
    assert component_schema_problems({}) == []
