"""Rolling event-time windows over one group's incidents.

Convention: the window of length W *ending* at t holds the incidents with
``t - W < position <= t`` (start exclusive, end inclusive).

A timeline keeps its incidents sorted by position in buckets of at most ``2 * BUCKET``,
each with its own per-value-key sums: adding, moving or removing an incident touches one
bucket, and any range sum costs O(n / BUCKET + BUCKET) rather than a walk over the whole
window, so the cost per report does not grow with a window's size.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field

BUCKET = 64


@dataclass
class _Bucket:
    positions: list[float] = field(default_factory=list)
    ids: list[str] = field(default_factory=list)
    sums: dict[str, int] = field(default_factory=dict)
    columns: dict[str, list[int]] = field(default_factory=dict)
    """Value key -> each incident's value, aligned with ``positions``: a part of a bucket
    sums as one slice."""


class Timeline:
    def __init__(self) -> None:
        self._buckets: list[_Bucket] = []
        self._lasts: list[float] = []  # last position of each bucket, for bisect
        self.values: dict[str, Mapping[str, int]] = {}

    def __len__(self) -> int:
        return len(self.values)

    @property
    def positions(self) -> list[float]:
        return [p for b in self._buckets for p in b.positions]

    @property
    def ids(self) -> list[str]:
        return [i for b in self._buckets for i in b.ids]

    def add(self, incident_id: str, position: float, values: Mapping[str, int]) -> None:
        buckets, lasts = self._buckets, self._lasts
        if not buckets:
            buckets.append(_Bucket())
            lasts.append(position)
        index = bisect_left(lasts, position)
        if index == len(buckets):
            index -= 1
        bucket = buckets[index]
        positions, columns = bucket.positions, bucket.columns
        for key in values:
            if key not in columns:
                columns[key] = [0] * len(positions)
        if not positions or position >= positions[-1]:  # the usual case: in time order
            positions.append(position)
            bucket.ids.append(incident_id)
            for key, column in columns.items():
                column.append(values.get(key, 0))
            lasts[index] = position
        else:
            at = bisect_right(positions, position)
            positions.insert(at, position)
            bucket.ids.insert(at, incident_id)
            for key, column in columns.items():
                column.insert(at, values.get(key, 0))
        sums = bucket.sums
        for key, value in values.items():
            sums[key] = sums.get(key, 0) + value
        self.values[incident_id] = values
        if len(positions) > 2 * BUCKET:
            self._split(index)

    def _split(self, index: int) -> None:
        bucket = self._buckets[index]
        upper = _Bucket(
            bucket.positions[BUCKET:],
            bucket.ids[BUCKET:],
            columns={key: column[BUCKET:] for key, column in bucket.columns.items()},
        )
        del bucket.positions[BUCKET:], bucket.ids[BUCKET:]
        for column in bucket.columns.values():
            del column[BUCKET:]
        for part in (bucket, upper):
            part.sums = {key: sum(column) for key, column in part.columns.items()}
        self._buckets.insert(index + 1, upper)
        self._lasts[index] = bucket.positions[-1]
        self._lasts.insert(index + 1, upper.positions[-1])

    def remove(self, incident_id: str, position: float) -> None:
        index = bisect_left(self._lasts, position)
        while True:  # equal positions may span buckets
            if index >= len(self._buckets) or self._buckets[index].positions[0] > position:
                raise ValueError(f"incident {incident_id!r} is not at position {position}")
            bucket = self._buckets[index]
            lo = bisect_left(bucket.positions, position)
            hi = bisect_right(bucket.positions, position)
            if incident_id in bucket.ids[lo:hi]:
                at = bucket.ids.index(incident_id, lo, hi)
                break
            index += 1
        del bucket.positions[at], bucket.ids[at]
        for column in bucket.columns.values():
            del column[at]
        for key, value in self.values.pop(incident_id).items():
            bucket.sums[key] -= value
        if bucket.positions:
            self._lasts[index] = bucket.positions[-1]
        else:
            del self._buckets[index], self._lasts[index]

    def sum_between(self, low: float, high: float, key: str) -> int:
        """Sum of ``key`` over incidents with ``low < position <= high``."""
        total = 0
        for index in range(bisect_right(self._lasts, low), len(self._buckets)):
            bucket = self._buckets[index]
            positions = bucket.positions
            if positions[0] > high:
                break
            if positions[0] > low and positions[-1] <= high:
                total += bucket.sums.get(key, 0)
                continue
            column = bucket.columns.get(key)
            if column is not None:
                total += sum(column[bisect_right(positions, low) : bisect_right(positions, high)])
        return total

    def total(self, end: float, width: float, key: str) -> int:
        return self.sum_between(end - width, end, key)

    def _after(self, low: float) -> Iterator[tuple[float, str]]:
        """Incidents with ``position > low``, in order."""
        for index in range(bisect_right(self._lasts, low), len(self._buckets)):
            bucket = self._buckets[index]
            start = bisect_right(bucket.positions, low)
            yield from zip(bucket.positions[start:], bucket.ids[start:], strict=True)

    def members(self, end: float, width: float) -> Iterator[str]:
        for position, incident_id in self._after(end - width):
            if position > end:
                return
            yield incident_id

    def peak(self, first_end: float, last_end: float, width: float, key: str) -> tuple[int, float]:
        """Highest total over windows ending in ``[first_end, last_end]``, and the earliest
        end reaching it. Totals only rise where an incident enters, so the candidates are
        ``first_end`` and the positions inside the range: one sweep with an entering and a
        leaving cursor, O(k) in the incidents between the first window's start and
        ``last_end``."""
        values = self.values
        best, best_end = self.total(first_end, width, key), first_end
        total = best
        entering = self._after(first_end)
        leaving = self._after(first_end - width)
        gone = next(leaving, None)
        for end, incident_id in entering:
            if end > last_end:
                break
            total += values[incident_id].get(key, 0)
            while gone is not None and gone[0] <= end - width:
                total -= values[gone[1]].get(key, 0)
                gone = next(leaving, None)
            if total > best:
                best, best_end = total, end
        return best, best_end
