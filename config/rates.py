"""Rate strings (``"20/minute"``, ``"5/15m"``, ``"off"``), parsed once for settings and throttles.

Kept free of Django and DRF imports so ``config/settings.py`` can validate ``RATE_LIMIT_*``
environment variables at startup: a typo fails the boot, not the first request.
"""

from __future__ import annotations

import re

_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
_RATE = re.compile(
    r"^\s*(?P<count>\d+)\s*/\s*(?P<multiplier>\d*)\s*"
    r"(?P<unit>s|sec|second|m|min|minute|h|hour|d|day)s?\s*$",
    re.IGNORECASE,
)
DISABLED = frozenset({"off", "none", "unlimited"})


def parse_rate(rate: str | None) -> tuple[int, int] | None:
    """``"<requests>/<period>"`` → ``(requests, seconds)``; ``None`` or ``"off"`` → ``None``.

    The period is ``s``, ``m``, ``h`` or ``d`` (or ``second``, ``minute``, ``hour``, ``day``),
    optionally preceded by a multiplier: ``"10/15m"`` allows 10 requests per 15 minutes.
    """
    if rate is None or rate.strip().lower() in DISABLED:
        return None
    match = _RATE.match(rate)
    if match is None:
        raise ValueError(
            f"invalid rate {rate!r}: expected '<requests>/<period>' such as '20/minute' or "
            "'10/15m', or 'off'"
        )
    multiplier = int(match["multiplier"] or 1)
    if multiplier < 1:
        raise ValueError(f"invalid rate {rate!r}: the period multiplier must be at least 1")
    return int(match["count"]), multiplier * _UNIT_SECONDS[match["unit"][0].lower()]
