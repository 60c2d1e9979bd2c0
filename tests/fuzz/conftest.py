"""Counts for the fuzzer's summary line."""

from __future__ import annotations

from tests.security.conftest import module_world, shared_world, world  # noqa: F401 - shared

STATS: dict[str, int] = {}  # operation label -> requests sent


def pytest_terminal_summary(terminalreporter):
    if STATS:
        terminalreporter.write_line(
            f"schema fuzz: {sum(STATS.values())} requests over {len(STATS)} operations "
            f"(fewest {min(STATS.values())}, most {max(STATS.values())} per operation)"
        )
