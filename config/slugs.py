"""Slugs derived from names, unique within whatever set the caller checks. Imports no app."""

from __future__ import annotations

from collections.abc import Container

from django.utils.text import slugify


def slug_base(name: str, *, fallback: str, max_length: int) -> str:
    """``name`` as a slug (``fallback`` when nothing of it survives), at most ``max_length``
    characters: leave room under the field's length for a ``-N`` suffix."""
    return (slugify(name) or fallback)[:max_length]


def free_slug(base: str, taken: Container[str]) -> str:
    """``base``, or the first of ``base-2``, ``base-3``, … that is not ``taken``. The caller loads
    the taken slugs starting with ``base`` in one query; a unique constraint stays the backstop
    against a concurrent writer."""
    slug, suffix = base, 2
    while slug in taken:
        slug, suffix = f"{base}-{suffix}", suffix + 1
    return slug
