"""Page totals that cost no more than the page: exact when counting is cheap, PostgreSQL's
planner estimate when an exact count would read far more rows than the page shows (marketplace
browse and the ``/v1`` content list)."""

from __future__ import annotations

import json

from django.db.models import QuerySet

# Page totals are exact up to this many matches. Beyond, they are PostgreSQL's planner estimate:
# an exact count must visit every matching row (a GIN index cannot count on its own), which at 1M
# listings costs far more than the page itself.
EXACT_TOTAL_LIMIT = 1000
# When the planner expects more matches than this, even a capped count is skipped.
COUNT_SKIP_ESTIMATE = 10 * EXACT_TOTAL_LIMIT


def planner_estimate(queryset: QuerySet) -> int:
    """The number of rows PostgreSQL's planner expects ``queryset`` to return (no execution)."""
    plan = json.loads(queryset.order_by().explain(format="json"))
    return int(plan[0]["Plan"]["Plan Rows"])


def page_total(
    matches: QuerySet, *, offset: int, found: int, has_more: bool, ceiling: int | None
) -> int:
    """The total for a page of ``found`` rows at ``offset`` out of ``matches``.

    - the last page knows it exactly, for free;
    - otherwise the planner estimates the matches; when it expects at most
      ``COUNT_SKIP_ESTIMATE``, a count capped at ``EXACT_TOTAL_LIMIT`` makes small totals exact;
    - larger totals are the estimate, never below the rows known to exist.

    ``ceiling`` is the most rows the order can reach (relevance ranks a bounded candidate set):
    the total never exceeds it, and is exact below it.
    """
    if not has_more and (found or offset == 0):
        return offset + found
    at_least = offset + found + int(has_more)
    estimate = planner_estimate(matches)
    cap = ceiling if ceiling is not None else EXACT_TOTAL_LIMIT
    if estimate <= COUNT_SKIP_ESTIMATE:
        counted = matches.order_by().values("pk")[: cap + 1].count()
        if counted <= cap:
            return counted
        at_least = max(at_least, counted)
    if ceiling is not None:
        return ceiling
    return max(estimate, at_least)
