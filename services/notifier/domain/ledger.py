"""The delivery ledger: what each channel has settled, per alert, surviving restarts.

One *mark* per (fingerprint, channel), persisted as one record of the compacted topic
``vigil.notifier.deliveries.v1`` keyed ``<fingerprint>#<channel>`` (compaction keeps the
latest mark, so the topic holds one record per alert and channel, not one per transition):

- ``seq``: the highest seq of the alert this channel has settled (delivered, skipped, or
  refused and dead-lettered). A channel handles one partition's records in log order, and
  one alert's transitions share a partition in seq order, so everything up to ``seq`` is
  settled: a record read again (rebalance, restart, the aggregator re-sending its outbox)
  with ``seq <= mark.seq`` is never sent to this channel again.
- ``failed``: seqs this channel refused for good (dead-lettered). A re-driven dead letter
  (a record with the ``vigil-redriven-from`` header) is sent to the channels that have
  its seq here, and to no other.
- ``active``: for channels that keep alerts alive by re-sending them (Alertmanager), the
  transition in force while the alert fires and since when (None once resolved), so a
  worker that takes over re-sends what is active at once.
- ``partition``: the alerts-topic partition of the alert, so a worker keeps (and re-sends)
  only the marks of the partitions it owns.

Pure: encoding, decoding and decisions; the Kafka side is ``services.notifier.ledger_store``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime

from schemas.alerts import Alert, AlertStatus, Transition

BARRIER_KEY = b"~barrier"
"""Key of the marker a worker writes to find the end of a ledger partition it loads."""


@dataclass(frozen=True)
class Active:
    """An alert in force on a channel that keeps alerts alive, and since when."""

    alert: Alert
    since: datetime
    partition: int


@dataclass(frozen=True)
class Mark:
    seq: int = 0
    failed: frozenset[int] = frozenset()
    active: Active | None = None
    partition: int = 0


def ledger_key(fingerprint: str, channel: str) -> bytes:
    return f"{fingerprint}#{channel}".encode()


def next_active(
    previous: Active | None, alert: Alert, partition: int, now: datetime
) -> Active | None:
    """What is in force on a keeping channel after ``alert`` was delivered to it."""
    if alert.transition is Transition.LATE:
        return previous  # news about the past: the alert in force is unchanged
    if alert.status is AlertStatus.RESOLVED:
        return None
    same_level = previous is not None and previous.alert.level == alert.level
    since = previous.since if previous is not None and same_level else now
    return Active(alert, since, partition)


@dataclass
class Ledger:
    marks: dict[tuple[str, str], Mark] = field(default_factory=dict)

    def wants(self, channel: str, alert: Alert, redriven: bool) -> bool:
        """True when ``channel`` has not settled this transition (or, re-driven, refused it)."""
        mark = self.marks.get((alert.fingerprint, channel))
        if mark is None or alert.seq > mark.seq:
            return True
        return redriven and alert.seq in mark.failed

    def active_on(self, channel: str, alert: Alert) -> Active | None:
        mark = self.marks.get((alert.fingerprint, channel))
        return None if mark is None else mark.active

    def settle(
        self,
        channel: str,
        alert: Alert,
        partition: int,
        *,
        delivered: bool,
        keeps_active: bool,
        now: datetime,
    ) -> tuple[bytes, bytes]:
        """Record the outcome; returns the ledger record (key, value) to persist."""
        key = (alert.fingerprint, channel)
        old = self.marks.get(key, Mark(partition=partition))
        failed = old.failed - {alert.seq} if delivered else old.failed | {alert.seq}
        active = old.active
        if keeps_active and delivered and alert.seq >= old.seq:
            active = next_active(old.active, alert, partition, now)
        mark = Mark(max(old.seq, alert.seq), frozenset(failed), active, partition)
        self.marks[key] = mark
        return ledger_key(*key), encode_mark(mark, now)

    def apply(self, key: bytes | None, value: bytes | None) -> None:
        """Load one ledger record (later records of a key replace earlier ones)."""
        if key is None or key == BARRIER_KEY:
            return
        fingerprint, sep, channel = key.decode("utf-8", errors="replace").rpartition("#")
        if not sep:
            return
        if value is None:  # a tombstone
            self.marks.pop((fingerprint, channel), None)
            return
        self.marks[(fingerprint, channel)] = decode_mark(value)

    def active(self, channel: str, partitions: Iterable[int]) -> list[Active]:
        """Alerts in force on ``channel`` among the alert partitions given, oldest first."""
        owned = set(partitions)
        found = [
            mark.active
            for (_, name), mark in self.marks.items()
            if name == channel and mark.active is not None and mark.partition in owned
        ]
        return sorted(found, key=lambda a: (a.since, a.alert.fingerprint))

    def forget(self, partitions: Iterable[int]) -> None:
        """Drop the marks of alert partitions this worker no longer owns."""
        gone = set(partitions)
        for key in [k for k, m in self.marks.items() if m.partition in gone]:
            del self.marks[key]

    def __iter__(self) -> Iterator[tuple[tuple[str, str], Mark]]:
        return iter(self.marks.items())


def encode_mark(mark: Mark, now: datetime) -> bytes:
    active = None
    if mark.active is not None:
        active = {
            "alert": mark.active.alert.model_dump(mode="json"),
            "since": mark.active.since.isoformat(),
        }
    data = {
        "seq": mark.seq,
        "failed": sorted(mark.failed),
        "partition": mark.partition,
        "active": active,
        "at": now.isoformat(),
    }
    return json.dumps(data, separators=(",", ":")).encode()


def decode_mark(value: bytes) -> Mark:
    data = json.loads(value)
    partition = int(data.get("partition", 0))
    raw = data.get("active")
    active = None
    if raw is not None:
        active = Active(
            Alert.model_validate(raw["alert"]), datetime.fromisoformat(raw["since"]), partition
        )
    return Mark(
        int(data["seq"]), frozenset(int(s) for s in data.get("failed", ())), active, partition
    )
