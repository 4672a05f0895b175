"""Event time at the edges: durations, and the guard that keeps a report from the future.

Pure: the reference time is always an argument. Every service that accepts reports
applies the same guard (ingest answers 422, the classifier and the aggregator write a
dead letter with reason ``future``), so that no single report can move an event-time
clock beyond the reference time plus the skew: a mistyped year (2042) would otherwise
close every window of its country and blind alerting there.

Why the default skew is 16 hours: a day-precision incident sits at 00:00 UTC of the
calendar date its source wrote, which in a time zone east of UTC begins before 00:00
UTC, up to 14 hours before (UTC+14); an exact time written in local time but labelled
UTC is off by as much. 14 hours is therefore the least a correct report may lie ahead
of the UTC wall clock; 2 more cover clocks that drift and reports that take a while to
write. Anything further ahead is a mistake (or hostile) and is refused; a refused report
is kept as a dead letter and can be re-driven once its time has come.

A replay judges "future" against the history it replays, never the machine's clock:
there the reference of each report is its own ``reported_at`` (history as it happened:
a report arrives when it was issued), so a report describing an incident more than the
skew after it was issued is refused, whatever the date of the machine running it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from functools import lru_cache

from schemas.reports import IncidentReport

DEFAULT_FUTURE_SKEW = "16h"
_DURATION = re.compile(r"^\s*(\d+)\s*(s|m|h|d|w)\s*$")
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


def parse_duration(text: str | int) -> int:
    """Seconds in ``"24h"``, ``"90m"``, ``"7d"`` (an int is already seconds)."""
    if isinstance(text, int) and not isinstance(text, bool):
        seconds = text
    else:
        match = _DURATION.match(str(text))
        if not match:
            raise ValueError(f"'{text}' is not a duration like 24h, 90m, 7d or 3600s")
        seconds = int(match.group(1)) * _UNIT_SECONDS[match.group(2)]
    if seconds <= 0:
        raise ValueError(f"duration must be positive, got {text!r}")
    return seconds


def describe_seconds(seconds: float) -> str:
    """``16h``, ``3d``, ``2.5y``: a human size for a span of time."""
    for unit, size in (("y", 365.25 * 86400), ("d", 86400), ("h", 3600), ("m", 60)):
        if abs(seconds) >= size:
            value = seconds / size
            return f"{value:.0f}{unit}" if value == round(value) else f"{value:.1f}{unit}"
    return f"{seconds:.0f}s"


def iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class FutureReference(StrEnum):
    WALL = "wall"
    """Live: the wall clock when the report is judged."""
    REPORTED_AT = "reported_at"
    """Replay: the report's own ``reported_at`` (when it was issued, in the history)."""


@dataclass(frozen=True)
class FutureGuard:
    """Refuses a report whose ``occurred_at`` or ``reported_at`` lies more than
    ``skew_seconds`` after the reference time."""

    skew_seconds: float = float(parse_duration(DEFAULT_FUTURE_SKEW))
    reference: FutureReference = FutureReference.WALL

    def field(self, report: IncidentReport, wall: float) -> str | None:
        """The first field that lies too far ahead (``occurred_at``, then
        ``reported_at``), or None. ``wall``: the wall clock (epoch seconds)."""
        if self.reference is FutureReference.WALL:
            # The usual case, on every report: dates written two days or more before the
            # limit's UTC date are behind it in any time zone (an offset is under 24 h),
            # which spares the costlier conversions to epoch seconds.
            safe = _safe_day(int((wall + self.skew_seconds) // 3600))
            if report.occurred_at.date() <= safe and report.reported_at.date() <= safe:
                return None
        reported = report.reported_at.timestamp()
        limit = (wall if self.reference is FutureReference.WALL else reported) + self.skew_seconds
        if report.occurred_at.timestamp() > limit:
            return "occurred_at"
        if reported > limit:
            return "reported_at"
        return None

    def reason(self, report: IncidentReport, wall: float) -> str | None:
        """Why ``report`` is refused as from the future, or None when it is not."""
        name = self.field(report, wall)
        if name is None:
            return None
        value: datetime = getattr(report, name)
        skew = describe_seconds(self.skew_seconds)
        if self.reference is FutureReference.WALL:
            ahead = value.timestamp() - wall
            against = f"the wall clock ({iso(wall)})"
        else:
            ahead = value.timestamp() - report.reported_at.timestamp()
            against = f"its own reported_at ({report.reported_at.isoformat()})"
        return (
            f"{name} {value.isoformat()} lies {describe_seconds(ahead)} after {against}; "
            f"at most {skew} ahead is accepted (a mistyped date?). Re-drive it once its "
            f"time has come, or correct it"
        )


@lru_cache(maxsize=64)
def _safe_day(limit_hour: int) -> date:
    """The last local date surely behind a limit at or after ``limit_hour`` (hours since
    the epoch): date D local ends before D + 2 days 00:00 UTC whatever its offset."""
    return (datetime.fromtimestamp(limit_hour * 3600, UTC) - timedelta(days=2)).date()
