"""Preparing a replay (pure): files of any importer layout read into reports, merged in
event-time order, cut to a period, and judged by the event-time guard against the
history itself.

What *replay* means here: history as it happened. The reports of every file are merged
and published in event-time order (a stable sort by event position, so reports of one
day keep the order of the command line and then of their file), so no report arrives
after its country's clock has passed it: nothing is too late. "From the future" is
judged against the history, never the machine's clock: a report is refused when its
incident lies more than the skew after its own ``reported_at`` (the time it arrived, in
the history being replayed).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from types import ModuleType

from pydantic import ValidationError

from schemas.reports import IncidentReport
from services.aggregator.domain.incidents import event_position
from services.common.codec import explain
from services.common.eventtime import FutureGuard, FutureReference
from tools.importers import acled, airwars, ucdp
from tools.importers.fields import ImportResult, Rejected

CSV_LAYOUTS: dict[str, ModuleType] = {"acled": acled, "ucdp": ucdp, "airwars": airwars}
JSONL = "jsonl"
LAYOUTS = (*CSV_LAYOUTS, JSONL)
HISTORY_GUARD = FutureGuard(reference=FutureReference.REPORTED_AT)


class InputError(ValueError):
    """The command line names files wrongly (odd pairs, unknown layout)."""


@dataclass(frozen=True)
class Input:
    layout: str
    path: Path

    @property
    def label(self) -> str:
        return f"{self.layout} {self.path.name}"


def parse_inputs(tokens: Sequence[str]) -> list[Input]:
    """``airwars A.csv ucdp B.csv`` as (layout, file) pairs."""
    if not tokens or len(tokens) % 2:
        raise InputError(
            f"expected LAYOUT FILE pairs (layouts: {', '.join(LAYOUTS)}), got {list(tokens)}"
        )
    pairs = []
    for layout, path in zip(tokens[::2], tokens[1::2], strict=True):
        if layout not in LAYOUTS:
            raise InputError(f"unknown layout {layout!r} before {path!r}: use one of {LAYOUTS}")
        pairs.append(Input(layout, Path(path)))
    return pairs


def jsonl_reports(lines: Iterable[str]) -> Iterator[ImportResult]:
    """One IncidentReport JSON object per line (blank lines skipped); a line that is not
    one is rejected with its reason and line number."""
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            yield IncidentReport.model_validate_json(line)
        except ValidationError as exc:
            kind = (
                "bad_json"
                if any(e["type"] == "json_invalid" for e in exc.errors())
                else ("invalid_report")
            )
            yield Rejected(number, kind, explain(exc))


@dataclass
class FileResult:
    input: Input
    rows: int = 0
    reports: list[IncidentReport] = field(default_factory=list)
    rejected: list[Rejected] = field(default_factory=list)


def collect(source: Input, results: Iterable[ImportResult]) -> FileResult:
    out = FileResult(source)
    for result in results:
        out.rows += 1
        if isinstance(result, Rejected):
            out.rejected.append(result)
        else:
            out.reports.append(result)
    return out


def position(report: IncidentReport) -> float:
    return event_position(report.occurred_at, report.occurred_precision)


@dataclass
class Prepared:
    """What a replay publishes, and everything it leaves out, with why."""

    files: list[FileResult]
    reports: list[IncidentReport]
    outside: int = 0
    """Reports outside --since/--until."""
    future: list[tuple[IncidentReport, str]] = field(default_factory=list)

    @property
    def rows(self) -> int:
        return sum(f.rows for f in self.files)

    @property
    def rejected(self) -> int:
        return sum(len(f.rejected) for f in self.files)


def prepare(
    files: list[FileResult],
    *,
    since: date | None = None,
    until: date | None = None,
    guard: FutureGuard = HISTORY_GUARD,
) -> Prepared:
    """Merge every file's reports in event-time order (stable: command line, then file
    order within an event time), keep those whose incident day lies in ``[since, until]``
    and set aside those the guard refuses (judged against the history, see the module)."""
    merged = sorted((r for f in files for r in f.reports), key=position)
    out = Prepared(files, [])
    for report in merged:
        day = report.occurred_at.date()
        if (since is not None and day < since) or (until is not None and day > until):
            out.outside += 1
            continue
        reason = guard.reason(report, 0.0)
        if reason is not None:
            out.future.append((report, reason))
            continue
        out.reports.append(report)
    return out
