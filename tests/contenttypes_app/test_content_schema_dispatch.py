"""The content validator dispatches a slot's ``oneOf`` on the block's ``type`` and answers
exactly what plain draft-07 answers: valid documents stay valid, invalid ones keep their errors."""

from __future__ import annotations

import pytest
from jsonschema import Draft7Validator

from contenttypes_app.content_schema import compile_validator


def component(name: str) -> dict:
    return {
        "type": "object",
        "properties": {
            "type": {"const": name},
            "heading": {"type": "string", "maxLength": 10},
        },
        "required": ["type", "heading"],
        "additionalProperties": False,
    }


NAMES = [f"View{n:02d}" for n in range(50)]
SCHEMA = {
    "type": "object",
    "properties": {
        "title": {"type": "string"},
        "body": {
            "type": "array",
            "items": {"oneOf": [{"$ref": f"#/definitions/{n}"} for n in NAMES]},
        },
    },
    "required": ["title"],
    "definitions": {n: component(n) for n in NAMES},
}


def errors(validator, document) -> list[tuple[str, str]]:
    return sorted((str(list(e.absolute_path)), e.message) for e in validator.iter_errors(document))


@pytest.mark.parametrize(
    "document",
    [
        {
            "title": "ok",
            "body": [{"type": "View00", "heading": "a"}, {"type": "View49", "heading": "b"}],
        },
        {"title": "ok", "body": []},
        {"title": "long", "body": [{"type": "View03", "heading": "far too long a heading"}]},
        {"title": "unknown", "body": [{"type": "Nope", "heading": "a"}]},
        {"title": "no type", "body": [{"heading": "a"}]},
        {"title": "number type", "body": [{"type": 3, "heading": "a"}]},
        {"title": "extra", "body": [{"type": "View07", "heading": "a", "extra": 1}]},
        {"title": "not an object", "body": ["View01"]},
        {"body": [{"type": "View01", "heading": "a"}]},
    ],
)
def test_dispatch_answers_what_plain_draft7_answers(document):
    assert errors(compile_validator(SCHEMA), document) == errors(Draft7Validator(SCHEMA), document)


def test_branches_of_another_shape_take_the_standard_path():
    schema = {
        "oneOf": [{"type": "string"}, {"type": "object", "properties": {"type": {"const": "a"}}}]
    }
    for document in ("x", {"type": "a"}, {"type": "b"}, 3):
        assert errors(compile_validator(schema), document) == errors(
            Draft7Validator(schema), document
        )


def test_a_valid_block_is_checked_against_its_own_branch_only(monkeypatch):
    validator = compile_validator(SCHEMA)
    descended = []
    original = type(validator).descend

    def counting(self, instance, schema, *args, **kwargs):
        descended.append(schema)
        return original(self, instance, schema, *args, **kwargs)

    monkeypatch.setattr(type(validator), "descend", counting)
    document = {"title": "ok", "body": [{"type": "View42", "heading": "a"}]}
    assert validator.is_valid(document)
    refs = [s for s in descended if isinstance(s, dict) and "$ref" in s]
    assert refs == [{"$ref": "#/definitions/View42"}]
