"""Results of batch services (bulk commands): what changed, what did not, what failed and why."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class ItemFailure:
    item_id: str
    code: str
    message: str


@dataclass
class BatchResult:
    changed_ids: list[str] = field(default_factory=list)
    unchanged: int = 0
    failures: list[ItemFailure] = field(default_factory=list)
    # Per changed id, lines that say what changed ("marketplace: isContentVisible false → true");
    # ``--dry-run -v 2`` prints them under the id.
    details: dict[str, list[str]] = field(default_factory=dict)

    @property
    def changed(self) -> int:
        return len(self.changed_ids)
