"""Semantic versions (semver 2.0.0) for packages: parsing and precedence.

``MAJOR.MINOR.PATCH``, an optional ``-pre.release`` and an optional ``+build``. Build metadata is
kept in the string but ignored for precedence, so ``1.0.0+a`` is not greater than ``1.0.0``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import total_ordering

DRAFT = "draft"  # the virtual package version: the project's live components

_IDENT = r"[0-9A-Za-z-]+"
_PATTERN = re.compile(
    rf"(?P<major>0|[1-9][0-9]*)\.(?P<minor>0|[1-9][0-9]*)\.(?P<patch>0|[1-9][0-9]*)"
    rf"(?:-(?P<pre>{_IDENT}(?:\.{_IDENT})*))?"
    rf"(?:\+(?P<build>{_IDENT}(?:\.{_IDENT})*))?"
)
MAX_LENGTH = 64


@total_ordering
@dataclass(frozen=True)
class SemVer:
    major: int
    minor: int
    patch: int
    prerelease: tuple[str, ...] = ()

    def _key(self) -> tuple:
        # A release sorts after all of its pre-releases; numeric identifiers sort numerically
        # and before alphanumeric ones.
        pre = tuple((0, int(p), "") if p.isdigit() else (1, 0, p) for p in self.prerelease)
        return (self.major, self.minor, self.patch, 0 if self.prerelease else 1, pre)

    def __lt__(self, other: object) -> bool:
        if not isinstance(other, SemVer):
            return NotImplemented
        return self._key() < other._key()

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, SemVer):
            return NotImplemented
        return self._key() == other._key()

    def __hash__(self) -> int:
        return hash(self._key())


def parse(value: str) -> SemVer | None:
    """The parsed version, or None when ``value`` is not a valid semantic version."""
    if not isinstance(value, str) or len(value) > MAX_LENGTH:
        return None
    match = _PATTERN.fullmatch(value)
    if match is None:
        return None
    pre = tuple(match["pre"].split(".")) if match["pre"] else ()
    if any(p.isdigit() and len(p) > 1 and p.startswith("0") for p in pre):
        return None  # numeric pre-release identifiers have no leading zeros
    return SemVer(int(match["major"]), int(match["minor"]), int(match["patch"]), pre)


def is_valid(value: str) -> bool:
    return parse(value) is not None
