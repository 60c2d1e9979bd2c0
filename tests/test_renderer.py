"""The API's JSON renderer embeds ``RawJSON`` text as it is, and renders everything else as DRF's
renderer does."""

from __future__ import annotations

import json

from rest_framework.renderers import JSONRenderer as DRFJSONRenderer

from config.renderers import JSONRenderer, RawJSON

DOCUMENT = '{"b": [1, 2, {"c": "é 漢字"}], "a": null}'


def render(data, media_type=None) -> bytes:
    return JSONRenderer().render(data, media_type)


def test_raw_json_is_embedded_verbatim_wherever_it_stands():
    data = {"id": 1, "schema": RawJSON(DOCUMENT), "list": [RawJSON("[]"), RawJSON("7")]}
    out = render(data)
    assert DOCUMENT.encode() in out
    assert json.loads(out) == {"id": 1, "schema": json.loads(DOCUMENT), "list": [[], 7]}


def test_without_raw_json_the_output_is_drfs():
    data = {"name": "Ünïcode ✓", "n": [1, 2.5, None, True], "line": "a\u2028b"}
    assert render(data) == DRFJSONRenderer().render(data)


def test_line_separators_inside_raw_json_are_escaped_like_the_rest():
    out = render({"schema": RawJSON('{"t": "a\u2028b\u2029c"}')})
    assert b"\\u2028" in out
    assert b"\\u2029" in out
    assert json.loads(out) == {"schema": {"t": "a\u2028b\u2029c"}}


def test_a_client_string_that_looks_like_a_placeholder_is_left_alone():
    lookalike = "\ue000raw-json:0000000000000000:0\ue000"
    out = render({"schema": RawJSON("{}"), "note": lookalike})
    assert json.loads(out) == {"schema": {}, "note": lookalike}


def test_indented_output_embeds_raw_json_too():
    out = render({"schema": RawJSON(DOCUMENT)}, "application/json; indent=2")
    assert json.loads(out) == {"schema": json.loads(DOCUMENT)}
    assert out.startswith(b"{\n  ")
