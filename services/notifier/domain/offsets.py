"""Which offset a consumer may commit when records finish out of order.

A record is *open* until every channel has settled it (delivered or dead-lettered). The
committable offset of a partition is the first open offset (Kafka commits "the next record
to read"), or one past the last record seen when nothing is open. So a channel that is
down holds the commit back, and a restart resends exactly what may not have arrived.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable
from typing import Generic, TypeVar

P = TypeVar("P", bound=Hashable)


class OffsetTracker(Generic[P]):
    def __init__(self) -> None:
        # Offsets only grow within a partition, and dicts keep insertion order, so the
        # first key of each inner dict is the lowest open offset.
        self._open: dict[P, dict[int, int]] = {}
        self._next: dict[P, int] = {}

    def add(self, partition: P, offset: int, waiting_for: int) -> None:
        """Record ``offset`` as read; it stays open until ``waiting_for`` settlements."""
        self._next[partition] = max(self._next.get(partition, 0), offset + 1)
        if waiting_for > 0:
            self._open.setdefault(partition, {})[offset] = waiting_for

    def settle(self, partition: P, offset: int) -> None:
        """One channel is done with ``offset`` (unknown offsets, e.g. of a partition
        this consumer lost in a rebalance, are ignored)."""
        pending = self._open.get(partition)
        if pending is None or offset not in pending:
            return
        pending[offset] -= 1
        if pending[offset] <= 0:
            del pending[offset]

    def open_count(self, partition: P) -> int:
        return len(self._open.get(partition, {}))

    def committable(self) -> dict[P, int]:
        """Partition -> offset to commit."""
        result = {}
        for partition, after_last in self._next.items():
            pending = self._open.get(partition)
            result[partition] = next(iter(pending)) if pending else after_last
        return result

    def forget(self, partitions: Iterable[P]) -> None:
        """Drop partitions this consumer no longer owns."""
        for partition in partitions:
            self._open.pop(partition, None)
            self._next.pop(partition, None)
