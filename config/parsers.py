"""The one request parser: DRF's JSON parser with a nesting limit and finite numbers only.

Python's JSON decoder raises ``RecursionError`` on deeply nested input (``[[[[…]]]]`` well under
the body size limit), which is not a ``ValueError`` and escaped DRF's parser as a 500. Nothing the
API accepts nests anywhere near ``MAX_DEPTH``; deeper documents are refused as malformed before
validators, jsonschema or PostgreSQL recurse into them.

A number such as ``1e400`` is valid JSON but overflows to infinity, which PostgreSQL's jsonb (and
JSON itself, on the way out) cannot hold: it is refused here too, like ``NaN`` and ``Infinity``.
So are lone surrogates (``"\\udfff"``) anywhere in the document, keys included.
"""

from __future__ import annotations

import codecs
import json
import math
import re
from typing import Any

from rest_framework import parsers
from rest_framework.exceptions import ParseError
from rest_framework.utils.json import strict_constant

MAX_DEPTH = 100


_SURROGATE = re.compile("[\ud800-\udfff]")


def document_problem(data: Any, depth_limit: int) -> str | None:
    """Why a parsed document cannot be accepted, or None. Iterative: no recursion.

    Arrays and objects may nest at most ``depth_limit`` deep, and no string (value or key) may
    hold a lone surrogate (``"\\ud800"``): it is not a character, cannot be encoded as UTF-8 for
    PostgreSQL or for the response, and DRF's string fields already refuse it.
    """
    stack = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, str):
            if _SURROGATE.search(value):
                return "JSON strings must not contain lone surrogates (\\ud800-\\udfff)."
            continue
        if isinstance(value, dict):
            children = [*value.keys(), *value.values()]
        elif isinstance(value, list):
            children = value
        else:
            continue
        if depth > depth_limit:
            return f"JSON nested deeper than {depth_limit} levels."
        stack.extend((child, depth + 1) for child in children)
    return None


def finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"Number out of range: {text[:40]}")
    return value


class JSONParser(parsers.JSONParser):
    def parse(self, stream, media_type=None, parser_context=None) -> Any:
        encoding = parsers.get_encoding(parser_context or {})
        try:
            data = json.load(
                codecs.getreader(encoding)(stream),
                parse_constant=strict_constant,
                parse_float=finite_float,
            )
        except ValueError as exc:  # includes UnicodeDecodeError and the JSON errors
            raise ParseError(f"JSON parse error - {exc}") from exc
        except RecursionError as exc:
            raise ParseError(f"JSON nested deeper than {MAX_DEPTH} levels.") from exc
        problem = document_problem(data, MAX_DEPTH)
        if problem is not None:
            raise ParseError(problem)
        return data
