"""The one request parser: DRF's JSON parser with a nesting limit.

Python's JSON decoder raises ``RecursionError`` on deeply nested input (``[[[[…]]]]`` well under
the body size limit), which is not a ``ValueError`` and escaped DRF's parser as a 500. Nothing the
API accepts nests anywhere near ``MAX_DEPTH``; deeper documents are refused as malformed before
validators, jsonschema or PostgreSQL recurse into them.
"""

from __future__ import annotations

from typing import Any

from rest_framework import parsers
from rest_framework.exceptions import ParseError

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


class JSONParser(parsers.JSONParser):
    def parse(self, stream, media_type=None, parser_context=None) -> Any:
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError as exc:
            raise ParseError(f"JSON nested deeper than {MAX_DEPTH} levels.") from exc
        if nesting_depth_exceeds(data, MAX_DEPTH):
            raise ParseError(f"JSON nested deeper than {MAX_DEPTH} levels.")
        return data
