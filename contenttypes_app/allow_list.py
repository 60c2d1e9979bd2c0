"""The ``componentIdsAllowList`` of a content type: plain component ids and named groups.

An item is either a component id (a UUID string) or a group ``{"id", "name"?, "componentIds"}``.
Input serializers normalise ids to lower-case canonical UUID strings before they are stored.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

AllowList = list[Any]


def is_group(item: Any) -> bool:
    return isinstance(item, dict)


def groups(allow_list: AllowList) -> list[dict[str, Any]]:
    return [item for item in allow_list if is_group(item)]


def component_ids(allow_list: AllowList) -> list[str]:
    """Every component id the list allows, plain or grouped, once each, in first-seen order."""
    seen: dict[str, None] = {}
    for item in allow_list:
        for component_id in item.get("componentIds", []) if is_group(item) else [item]:
            seen.setdefault(str(component_id), None)
    return list(seen)


def referenced_ids(layout_component_id: Any, allow_list: AllowList) -> list[str]:
    """The layout then the allow-listed ids: every component a definition depends on."""
    return list(dict.fromkeys([str(layout_component_id), *component_ids(allow_list)]))


def group_problems(allow_list: AllowList) -> dict[str, list[str]]:
    """``duplicateGroupIds`` and ``emptyGroupIds`` (sorted), only the non-empty ones."""
    group_ids = [str(group.get("id")) for group in groups(allow_list)]
    duplicates = sorted(gid for gid, count in Counter(group_ids).items() if count > 1)
    empty = sorted({str(g.get("id")) for g in groups(allow_list) if not g.get("componentIds")})
    problems: dict[str, list[str]] = {}
    if duplicates:
        problems["duplicateGroupIds"] = duplicates
    if empty:
        problems["emptyGroupIds"] = empty
    return problems
