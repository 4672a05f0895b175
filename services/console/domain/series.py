"""A rule's rolling-window value over a span of event time, as a step function.

The value of the window of width W ending at t sums the incidents with
``t - W < position <= t`` (``services.aggregator.domain.windows``). As t moves it changes
only where an incident enters (t = position) or leaves (t = position + W), and it holds
from each such point until the next: the series is those breakpoints and the value from
each on, so a chart of it is exact, however few incidents there are.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

DAY = 86400.0
MAX_POINTS = 1500
"""More breakpoints than this are folded (the highest value of each stretch kept)."""


@dataclass(frozen=True)
class Point:
    at: float
    """Window end (event time, epoch seconds); the value holds from here to the next point."""
    value: int


def chart_span(clock: float, days: int) -> tuple[float, float]:
    """The span a chart shows: ``days`` days of event time ending with the day the clock
    is in (to its end: a day-precision incident sits at 00:00 of its day, so the clock
    often stands at 00:00 of the last day reported, and that day is shown whole)."""
    end = (clock // DAY + 1) * DAY
    return end - days * DAY, end


def window_series(
    positions: Iterable[float],
    value_at: Callable[[float], int],
    width: float,
    start: float,
    end: float,
    max_points: int = MAX_POINTS,
) -> list[Point]:
    """The window value from ``start`` to ``end``: one point at ``start`` and one at every
    entry and exit before ``end`` (``value_at(t)``: the value of the window ending at t)."""
    breaks = {start}
    for position in positions:
        for moment in (position, position + width):
            if start < moment < end:
                breaks.add(moment)
    points = [Point(moment, value_at(moment)) for moment in sorted(breaks)]
    return fold(points, start, end, max_points)


def fold(points: list[Point], start: float, end: float, max_points: int) -> list[Point]:
    """At most ``max_points`` points: the span cut in equal stretches, each shown at its
    highest value (a peak is never hidden by folding)."""
    if len(points) <= max_points or end <= start:
        return points
    step = (end - start) / max_points
    folded: dict[int, Point] = {}
    for point in points:
        index = min(int((point.at - start) / step), max_points - 1)
        best = folded.get(index)
        if best is None or point.value > best.value:
            folded[index] = Point(start + index * step, point.value)
    return [folded[i] for i in sorted(folded)]


def peak(points: list[Point]) -> Point | None:
    """The highest point (the earliest of equals)."""
    best = None
    for point in points:
        if best is None or point.value > best.value:
            best = point
    return best
