"""``{{ variable }}`` placeholders: extraction, rendering, content fingerprints."""

from __future__ import annotations

import hashlib
import json
import re
from typing import Any

# {{ name }} or {{ dotted.name }}, with optional inner spaces. Anything else (unbalanced braces,
# spaces inside a name, empty braces) is plain text.
PLACEHOLDER_RE = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*)\s*\}\}")
MAX_VARIABLES = 200


def extract_variables(body: str) -> list[str]:
    """Placeholder names in order of first use, without duplicates."""
    return list(dict.fromkeys(PLACEHOLDER_RE.findall(body)))


def _lookup(values: dict[str, Any], name: str) -> tuple[bool, Any]:
    if name in values:
        return True, values[name]
    current: Any = values
    for part in name.split("."):
        if not isinstance(current, dict) or part not in current:
            return False, None
        current = current[part]
    return True, current


def _as_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return ""
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def render(body: str, values: dict[str, Any]) -> tuple[str, list[str]]:
    """Substitute known placeholders; return the text and the names left missing (in order).

    A value may be given flat (``{"user.name": "Ada"}``) or nested (``{"user": {"name": "Ada"}}``);
    missing placeholders stay in the text as written.
    """
    missing: list[str] = []

    def substitute(match: re.Match[str]) -> str:
        found, value = _lookup(values, match.group(1))
        if not found:
            if match.group(1) not in missing:
                missing.append(match.group(1))
            return match.group(0)
        return _as_text(value)

    return PLACEHOLDER_RE.sub(substitute, body), missing


def content_fingerprint(content: dict[str, Any]) -> str:
    """A stable SHA-256 of an item's content fields."""
    encoded = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(encoded.encode()).hexdigest()
