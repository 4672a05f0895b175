"""What the console knows, built record by record from topics (no Kafka here: the
follower, ``services.console.follower``, feeds it; tests feed it directly).

* ``AlertIndex``: every alert's transitions from ``vigil.alerts.v2`` (the public Alert
  schema), the newest ``history_limit`` per fingerprint, repeats (same seq) dropped.
* ``AggregatorReplica``: the aggregator's state tables, copied from their changelog
  topics (the last record of each key wins, a tombstone deletes it), and rebuilt into
  per-country engines with the aggregator's own code (``StateTables.rebuild``), so the
  window values the console shows are the aggregator's, whatever the number of its
  workers: every worker writes its partitions' changelog, the console reads them all.
* ``DeadLetterTally``: how many dead letters, by service and reason, and the latest.
"""

from __future__ import annotations

import time
from collections import Counter, deque
from collections.abc import Iterator
from dataclasses import dataclass, field

from pydantic import ValidationError

from schemas.alerts import Alert, AlertStatus
from schemas.deadletters import DeadLetter
from services.aggregator.domain.countries import Countries
from services.aggregator.domain.engine import Engine, EngineConfig, Reports
from services.aggregator.state import (
    TABLES,
    DictStore,
    StateTables,
    decode_clock,
    decode_reports,
    scoped,
)

UNUSED_TABLES = ("ids", "outbox")
"""Aggregator tables the console does not copy: report ids (idempotency) and the alert
outbox change no window value and no page."""
REPLICATED = tuple(name for name in TABLES if name not in UNUSED_TABLES)


@dataclass(frozen=True)
class Published:
    """One transition as read from the alerts topic, with the wall time the broker
    stamped on it (the record's timestamp, seconds; None if it had none)."""

    alert: Alert
    published: float | None


@dataclass
class AlertHistory:
    transitions: deque[Published]
    first_published: float | None

    @property
    def latest(self) -> Published:
        return self.transitions[-1]


class AlertIndex:
    def __init__(self, history_limit: int = 200) -> None:
        self.history_limit = history_limit
        self.alerts: dict[str, AlertHistory] = {}
        self.records = 0
        self.invalid = 0
        self.recent: deque[Published] = deque(maxlen=50)
        """The newest transitions of every alert, newest last."""

    def apply(self, value: bytes | None, timestamp: float | None) -> Alert | None:
        """One record of the alerts topic; the Alert if it is new (a redelivered seq or
        an undecodable record changes nothing and returns None)."""
        self.records += 1
        try:
            alert = Alert.model_validate_json(value or b"", extra="ignore")
        except ValidationError:
            self.invalid += 1
            return None
        history = self.alerts.get(alert.fingerprint)
        item = Published(alert, timestamp)
        if history is None:
            history = AlertHistory(deque(maxlen=self.history_limit), timestamp)
            self.alerts[alert.fingerprint] = history
        elif alert.seq <= history.latest.alert.seq:
            return None  # a redelivery (the aggregator's outbox re-sends after a crash)
        history.transitions.append(item)
        self.recent.append(item)
        return alert

    def get(self, fingerprint: str) -> AlertHistory | None:
        return self.alerts.get(fingerprint)

    def latest(self) -> Iterator[Published]:
        for history in self.alerts.values():
            yield history.latest

    def firing(self) -> list[Published]:
        return [p for p in self.latest() if p.alert.status is AlertStatus.FIRING]


@dataclass(frozen=True)
class LetterSeen:
    service: str
    error_type: str
    reason: str
    source_topic: str
    failed_at: float


@dataclass
class DeadLetterTally:
    total: int = 0
    by_kind: Counter[tuple[str, str]] = field(default_factory=Counter)
    recent: deque[LetterSeen] = field(default_factory=lambda: deque(maxlen=10))
    hours: Counter[int] = field(default_factory=Counter)
    """Dead letters per hour they failed in (epoch hour)."""

    def apply(self, value: bytes | None) -> None:
        self.total += 1
        try:
            letter = DeadLetter.model_validate_json(value or b"", extra="ignore")
        except ValidationError:
            self.by_kind[("?", "unreadable")] += 1
            return
        self.by_kind[(letter.service, letter.error_type)] += 1
        self.hours[int(letter.failed_at.timestamp() // 3600)] += 1
        self.recent.append(
            LetterSeen(
                letter.service,
                letter.error_type,
                letter.reason,
                letter.source_topic,
                letter.failed_at.timestamp(),
            )
        )

    def since(self, moment: float) -> int:
        """Dead letters that failed in the hour of ``moment`` or later (to the hour)."""
        first = int(moment // 3600)
        return sum(count for hour, count in self.hours.items() if hour >= first)


class AggregatorReplica:
    """The aggregator's tables as of the changelog records read so far, and the
    countries rebuilt from them (per partition, again only after that partition changed)."""

    def __init__(self, config: EngineConfig) -> None:
        self.config = config
        self.stores: dict[str, DictStore] = {name: DictStore() for name in REPLICATED}
        self.partitions: set[int] = set()
        self._dirty: set[int] = set()
        self._built: dict[int, Countries] = {}
        self.records = 0

    def apply(self, table: str, partition: int, key: bytes | None, value: bytes | None) -> None:
        """One changelog record of ``table`` (a tombstone, ``value=None``, deletes)."""
        store = self.stores.get(table)
        if store is None or key is None:
            return
        self.records += 1
        if value is None:
            store.pop(key, None)
        else:
            store[key] = value
        self.partitions.add(partition)
        self._dirty.add(partition)

    def _tables(self) -> StateTables:
        return StateTables(*(self.stores.get(name) or DictStore() for name in TABLES))

    def refresh(self) -> float | None:
        """Rebuild the partitions a record arrived for since last time; the seconds it
        took (None: nothing to rebuild)."""
        if not self._dirty:
            return None
        started = time.perf_counter()
        tables = self._tables()
        for partition in sorted(self._dirty):
            self._built[partition], _ = tables.rebuild(partition, self.config)
        self._dirty.clear()
        return time.perf_counter() - started

    def countries(self) -> list[Countries]:
        """Every partition's countries, up to date with the records read so far."""
        self.refresh()
        return [self._built[p] for p in sorted(self._built)]

    def engines(self) -> dict[str, Engine]:
        """country -> its engine."""
        out: dict[str, Engine] = {}
        for countries in self.countries():
            out.update(countries.engines)
        return out

    def reports(self, country: str, incident_id: str) -> Reports:
        """The reports of one incident (or summary) as the aggregator holds them now:
        source -> its current report. {} once pruned or never seen."""
        key = scoped((country, incident_id))
        for name in ("incidents", "summaries"):
            raw = self.stores[name].get(key)
            if raw is not None:
                return decode_reports(raw)[1]
        return {}

    def clocks(self) -> dict[str, float]:
        """country -> event-time clock T, straight from the clocks table."""
        out = {}
        for key, raw in self.stores["clocks"].items():
            now = decode_clock(raw).now
            if now is not None:
                out[key.decode()] = now
        return out
