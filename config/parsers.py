"""The one request parser: DRF's JSON parser with a nesting limit and finite numbers only.

Python's JSON decoder raises ``RecursionError`` on deeply nested input (``[[[[…]]]]`` well under
the body size limit), which is not a ``ValueError`` and escaped DRF's parser as a 500. Nothing the
API accepts nests anywhere near ``MAX_DEPTH``; deeper documents are refused as malformed before
validators, jsonschema or PostgreSQL recurse into them.

A number such as ``1e400`` is valid JSON but overflows to infinity, which PostgreSQL's jsonb (and
JSON itself, on the way out) cannot hold: it is refused here too, like ``NaN`` and ``Infinity``.
"""

from __future__ import annotations

import codecs
import json
import math
from typing import Any

from rest_framework import parsers
from rest_framework.exceptions import ParseError
from rest_framework.utils.json import strict_constant

MAX_DEPTH = 100


def nesting_depth_exceeds(data: Any, limit: int) -> bool:
    """True if arrays/objects in ``data`` nest deeper than ``limit`` (iterative, no recursion)."""
    stack = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, dict):
            children = value.values()
        elif isinstance(value, list):
            children = value
        else:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children)
    return False


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
        if nesting_depth_exceeds(data, MAX_DEPTH):
            raise ParseError(f"JSON nested deeper than {MAX_DEPTH} levels.")
        return data
