"""What a live aggregator would refuse of a file, known before anything is published
(pure): rows dated more than the lateness behind their country's event-time clock (the
running aggregator's, moved on by the file's own rows in file order: a file not in date
order refuses its own older rows) and rows from the future (the event-time guard)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from schemas.reports import IncidentReport, ReportKind
from services.aggregator.domain.incidents import event_position
from services.common.eventtime import FutureGuard, describe_seconds, iso


@dataclass
class LatenessCheck:
    lateness: float
    clocks: dict[str, float]
    """The running aggregator's clock per country (empty: none known)."""
    guard: FutureGuard
    wall: float
    rows: int = 0
    too_late: Counter[str] = field(default_factory=Counter)
    future: int = 0
    _moving: dict[str, float] = field(default_factory=dict)

    def see(self, report: IncidentReport) -> None:
        """One accepted row, in file order."""
        self.rows += 1
        if self.guard.field(report, self.wall) is not None:
            self.future += 1
            return
        if report.kind is ReportKind.SUMMARY:
            return  # summaries are kept whatever their date
        country = report.location.country
        position = event_position(report.occurred_at, report.occurred_precision)
        clock = self._moving.get(country, self.clocks.get(country))
        if clock is not None and position <= clock - self.lateness:
            self.too_late[country] += 1
        elif clock is None or position > clock:
            self._moving[country] = position

    def warning(self, layout: str, path: str) -> str | None:
        """What to tell before publishing, or None when nothing would be refused."""
        lines = []
        late = sum(self.too_late.values())
        if late:
            known = [
                f"{c} {iso(self.clocks[c])}" for c in sorted(self.too_late) if c in self.clocks
            ]
            against = (
                "the running aggregator's clocks (" + ", ".join(known) + ")"
                if known
                else "the clock the file's own newer rows set (it is not in date order)"
            )
            lines.append(
                f"warning: {late:,} of {self.rows:,} rows are older than the lateness "
                f"({describe_seconds(self.lateness)}) allows against {against}; the "
                f"aggregator will refuse them as too late (dead letters: vigil deadletters "
                f"list --reason too_late). History belongs in a replay, in event-time "
                f"order: vigil replay {layout} {path}"
            )
        if self.future:
            lines.append(
                f"warning: {self.future:,} rows lie more than "
                f"{describe_seconds(self.guard.skew_seconds)} in the future; the classifier "
                f"will refuse them (dead letters, reason future)"
            )
        return "\n".join(lines) or None
