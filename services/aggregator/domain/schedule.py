"""Items due at event times (incident exits, expiries, forgotten ids)."""

from __future__ import annotations

import heapq
from collections.abc import Iterator
from typing import Generic, TypeVar

T = TypeVar("T")


class Schedule(Generic[T]):
    """Items due at event times. Many items share a time (every day-precision incident of
    a day sits at its midnight), so the heap holds each time once, with a list of what
    is due then: pushes and pops compare floats, not tuples that tie on their time."""

    def __init__(self) -> None:
        self._times: list[float] = []
        self._due: dict[float, list[T]] = {}

    def add(self, at: float, item: T) -> None:
        items = self._due.get(at)
        if items is None:
            self._due[at] = [item]
            heapq.heappush(self._times, at)
        else:
            items.append(item)

    def pop_until(self, now: float) -> Iterator[tuple[float, list[T]]]:
        """Each time up to ``now`` (earliest first) with what is due then, removed."""
        times = self._times
        while times and times[0] <= now:
            at = heapq.heappop(times)
            yield at, self._due.pop(at)
