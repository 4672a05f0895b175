"""Counting what an import did and printing it for the analyst (pure)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from tools.importers.fields import Rejected

EXAMPLE_ROWS = 5


@dataclass
class ReasonGroup:
    count: int = 0
    example: str = ""
    rows: list[int] = field(default_factory=list)


@dataclass
class ImportSummary:
    layout: str
    accepted: int = 0
    published: int = 0
    countries: Counter[str] = field(default_factory=Counter)
    rejected: dict[str, ReasonGroup] = field(default_factory=dict)

    @property
    def rejected_count(self) -> int:
        return sum(g.count for g in self.rejected.values())

    def accept(self, country: str) -> None:
        self.accepted += 1
        self.countries[country] += 1

    def reject(self, rejection: Rejected) -> None:
        group = self.rejected.setdefault(rejection.kind, ReasonGroup(example=rejection.reason))
        group.count += 1
        if len(group.rows) < EXAMPLE_ROWS:
            group.rows.append(rejection.row)

    def render(self, elapsed: float, *, dry_run: bool, top: int = 10) -> str:
        total = self.accepted + self.rejected_count
        rate = total / elapsed if elapsed > 0 else 0.0
        action = (
            "validated (dry run, nothing published)"
            if dry_run
            else (f"published {self.published:,} to the reports topic")
        )
        lines = [
            f"{self.layout}: {total:,} rows in {elapsed:.2f} s ({rate:,.0f} rows/s); {action}",
            f"  accepted: {self.accepted:,}"
            + (f"  (top countries: {_top(self.countries)})" if self.countries else ""),
            f"  rejected: {self.rejected_count:,}",
        ]
        groups = sorted(self.rejected.items(), key=lambda kv: (-kv[1].count, kv[0]))
        for kind, group in groups[:top]:
            rows = ", ".join(str(r) for r in group.rows)
            more = ", ..." if group.count > len(group.rows) else ""
            label = "row" if len(group.rows) == 1 and not more else "rows"
            lines.append(
                f"    {group.count:6,}  {kind}: e.g. {label} {rows}{more}: {group.example}"
            )
        if len(groups) > top:
            lines.append(f"    ... and {len(groups) - top} more reasons")
        return "\n".join(lines)


def _top(counts: Counter[str], n: int = 5) -> str:
    return ", ".join(f"{k} {v:,}" for k, v in counts.most_common(n))
