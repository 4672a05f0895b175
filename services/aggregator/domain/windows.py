"""Rolling event-time windows over one group's incidents.

Convention: the window of length W *ending* at t holds the incidents with
``t - W < position <= t`` (start exclusive, end inclusive). A timeline keeps its
incidents sorted by position; adding, moving or removing one incident is one O(log n)
search plus a list insert, never a rewrite of a window. Sums are computed on demand
over the (small) slice a window covers.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field


@dataclass
class Timeline:
    positions: list[float] = field(default_factory=list)
    ids: list[str] = field(default_factory=list)
    values: dict[str, Mapping[str, int]] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.ids)

    def add(self, incident_id: str, position: float, values: Mapping[str, int]) -> None:
        index = bisect_right(self.positions, position)
        self.positions.insert(index, position)
        self.ids.insert(index, incident_id)
        self.values[incident_id] = values

    def remove(self, incident_id: str, position: float) -> None:
        lo = bisect_left(self.positions, position)
        hi = bisect_right(self.positions, position)
        index = self.ids.index(incident_id, lo, hi)
        del self.positions[index]
        del self.ids[index]
        del self.values[incident_id]

    def _span(self, end: float, width: float) -> tuple[int, int]:
        return bisect_right(self.positions, end - width), bisect_right(self.positions, end)

    def total(self, end: float, width: float, key: str) -> int:
        lo, hi = self._span(end, width)
        values = self.values
        return sum(values[i].get(key, 0) for i in self.ids[lo:hi])

    def members(self, end: float, width: float) -> Iterator[str]:
        lo, hi = self._span(end, width)
        return iter(self.ids[lo:hi])

    def peak(self, first_end: float, last_end: float, width: float, key: str) -> tuple[int, float]:
        """Highest total over windows ending in ``[first_end, last_end]``, and the earliest
        end reaching it. Totals only rise where an incident enters, so the candidates are
        ``first_end`` and the positions inside the range (a two-pointer sweep: O(k))."""
        positions, ids, values = self.positions, self.ids, self.values
        n = len(positions)
        start = bisect_right(positions, first_end - width)
        stop = bisect_right(positions, last_end)
        candidates = [first_end]
        candidates.extend(p for p in positions[bisect_right(positions, first_end) : stop])
        best, best_end = -1, first_end
        total, left, right = 0, start, start
        for end in candidates:
            while right < n and positions[right] <= end:
                total += values[ids[right]].get(key, 0)
                right += 1
            while left < right and positions[left] <= end - width:
                total -= values[ids[left]].get(key, 0)
                left += 1
            if total > best:
                best, best_end = total, end
        return best, best_end
