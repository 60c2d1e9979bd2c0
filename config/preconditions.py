"""``If-Match`` (optimistic concurrency), parsed once for every API family.

RFC 9110 §13.1.1: the header is ``*`` or a comma-separated list of entity tags. Our ETags are
strong, but a client or a proxy may send one back marked weak (``W/"…"``); it still names the
same representation, so ``W/`` is ignored and the same header gets the same answer on every
family. An absent or empty header asks for no precondition. Imports no app.
"""

from __future__ import annotations

from config.errors import PreconditionFailedError


def if_match_tags(header: str) -> set[str]:
    """The entity tags ``header`` lists, each as its quoted tag without ``W/``; ``*`` stays."""
    return {tag.strip().removeprefix("W/") for tag in header.split(",") if tag.strip()}


def if_match_satisfied(header: str | None, current_etag: str) -> bool:
    """Whether a write may go ahead: no (or an empty) header, ``*``, or the current ETag listed."""
    if not header:
        return True
    tags = if_match_tags(header)
    return "*" in tags or current_etag in tags


def require_if_match(header: str | None, current_etag: str) -> None:
    """412 ``PRECONDITION_FAILED`` (with ``details.currentETag``) unless ``if_match_satisfied``."""
    if not if_match_satisfied(header, current_etag):
        raise PreconditionFailedError(details={"currentETag": current_etag})
