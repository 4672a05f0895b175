"""The aggregator's service layer: input batches in, state written, alerts and dead
letters out. No Faust here: the tables, the alert producer and the dead-letter topic
are passed in (``adapters.py`` wraps Faust's; tests pass dicts and lists), so every
path of a batch can be driven in memory.

Per owned partition it keeps a ``Countries`` (one engine and clock per country),
rebuilt from the tables after every rebalance. Every input is decided on its own, in
offset order, so alerts do not depend on how records were batched; the state writes of
a batch (each key once) and its alerts go out together. Transitions pass through an
outbox: written with the state, handed to the producer without waiting, and cleared
as soon as the broker acknowledged them (not at the next input), so a worker killed at
any point loses no alert and a restarted one re-sends none the broker acknowledged.

Error policy: an undecodable record or a bad tick is a dead letter (``decode``); a
report refused by the rules (``future``, ``conflict``, ``too_late``) is a dead letter
with the engine's reason and the original bytes; both are counted and processing goes
on. A failed alert send is a broken broker and crashes the worker.
"""

from __future__ import annotations

import asyncio
import gc
import json
import logging
import time
from collections.abc import Awaitable, Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any, Protocol

from schemas.alerts import Alert
from schemas.incidents import ClassifiedIncident
from schemas.links import LinkAction, LinkDecision
from services.aggregator.domain.countries import Countries
from services.aggregator.domain.engine import Effects, EngineConfig, Key
from services.aggregator.domain.incidents import REFUSED, Outcome
from services.aggregator.domain.linking.groups import Decision
from services.aggregator.metrics import AggregatorMetrics
from services.aggregator.state import StateTables
from services.common.batches import Record
from services.common.codec import decode
from services.common.errors import RejectedInput, RejectionKind
from services.common.streams import elapsed, letter_for, send_dead_letter

log = logging.getLogger(__name__)


@contextmanager
def collector_paused() -> Iterator[None]:
    """Python's cyclic garbage collector off for the block; what the block built is then
    frozen (``gc.freeze``: left out of later collections, freed by reference counting as
    usual; the worker unfreezes and collects everything every ten minutes)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
        gc.freeze()


SERVICE = "aggregator"
STOP_WAIT_SECONDS = 5.0
"""Longest a stopping worker waits for the broker to acknowledge the alerts it sent."""


def as_decision(decision: LinkDecision) -> Decision:
    """A decision from the links topic, as the engine takes it."""
    return Decision(
        decision.pair,
        decision.action is LinkAction.LINK,
        decision.decided_at.timestamp(),
        decision.analyst,
        decision.reason or "",
    )


class Incoming(Protocol):
    """One consumed record (a Faust ``Message`` in the service, a plain object in tests)."""

    @property
    def topic(self) -> str: ...
    @property
    def partition(self) -> int: ...
    @property
    def offset(self) -> int: ...
    @property
    def key(self) -> bytes | None: ...
    @property
    def value(self) -> bytes | None: ...
    @property
    def headers(self) -> Any: ...


class DeadLetterTopic(Protocol):
    """Where dead letters go (a Faust topic in the service)."""

    async def send(self, *, key: bytes | None, value: bytes) -> Any: ...


SendAlerts = Callable[[list[Record]], Awaitable[list[Any]]]
"""Hands alert records to the producer; returns futures the broker resolves."""


class Aggregator:
    def __init__(
        self,
        config: EngineConfig,
        tables: StateTables,
        metrics: AggregatorMetrics,
        send_alerts: SendAlerts,
        dead_letters: DeadLetterTopic,
        flush_writes: Callable[[], Awaitable[None]] | None = None,
        wall: Callable[[], float] = time.time,
    ) -> None:
        self.config = config
        self.tables = tables
        self.metrics = metrics
        self.send_alerts = send_alerts
        self.dead_letters = dead_letters
        self.flush_writes = flush_writes
        self.wall = wall
        self.partitions: dict[int, Countries] = {}
        self.sending: dict[int, list[tuple[list[Alert], list[Any]]]] = {}
        """Alerts handed to the producer and not yet acknowledged, per partition."""
        self._flushing: set[asyncio.Future[None]] = set()
        self._generation = 0  # of partition assignments (``forget``)

    # -- a batch ---------------------------------------------------------------------------

    async def handle(
        self, partition: int, messages: Sequence[Incoming], *, ticks: bool, links: bool = False
    ) -> None:
        """One partition batch of classified incidents (or of ticks, ``ticks=True``, or of
        analysts' link decisions, ``links=True``)."""
        if links:
            await self.handle_links(partition, messages)
            return
        countries = await self.countries(partition)
        batch = Effects()
        arrived: dict[Key, str] = {}
        done: list[tuple[Outcome, float]] = []
        wall = self.wall()
        for message in messages:
            started = time.perf_counter()
            if ticks:
                try:
                    tick_wall = float(json.loads(message.value or b"")["wall"])
                except (ValueError, KeyError, TypeError) as exc:
                    await self.reject(
                        message, RejectedInput(f"bad tick: {exc}", RejectionKind.DECODE)
                    )
                    continue
                countries.tick(tick_wall, batch)
                continue
            try:
                incident = decode(ClassifiedIncident, message.value)
            except RejectedInput as error:
                await self.reject(message, error)
                continue
            outcome = countries.process(incident, wall, batch, message.offset).outcome
            assert outcome is not None
            if outcome in (Outcome.APPLIED, Outcome.SUMMARY):
                self.tables.interner.compact(incident)  # kept by its engine: held cheaply
                key = (incident.region.country, incident.report.report_id)
                arrived[key] = (message.value or b"").decode("utf-8")
            elif outcome in REFUSED:
                await self.refuse(message, outcome, batch.detail or outcome.value)
            done.append((outcome, elapsed(started)))
        await self.apply(partition, countries, batch, arrived)
        # Counted once the batch's state and alerts are handed over: a record counted as
        # consumed has had all its effects (replay and benchmark wait on this count).
        self.metrics.record_outcomes(done)
        self.metrics.record_decisions((), batch.regrouped)

    async def handle_links(self, partition: int, messages: Sequence[Incoming]) -> None:
        """A batch of analysts' decisions (the links topic is co-partitioned with the
        classified one: a decision lands where its country's reports do). An undecodable
        one is a dead letter (``decode``/``validation``)."""
        countries = await self.countries(partition)
        batch = Effects()
        actions = []
        for message in messages:
            try:
                decision = decode(LinkDecision, message.value)
            except RejectedInput as error:
                await self.reject(message, error)
                continue
            countries.decide(decision.country, as_decision(decision), batch)
            actions.append(decision.action.value)
            log.info("%s %s %s by %s", decision.action.value, *decision.pair, decision.analyst)
        await self.apply(partition, countries, batch)
        self.metrics.record_decisions(actions, batch.regrouped)

    async def reject(self, message: Incoming, error: RejectedInput) -> None:
        """An input that is not a classified incident (or a tick): dead letter."""
        await send_dead_letter(self.dead_letters, SERVICE, message, error, self.metrics)

    async def refuse(self, message: Incoming, outcome: Outcome, reason: str) -> None:
        """A valid report the rules refused: dead letter with the reason, re-drivable
        (counted with the batch's outcomes)."""
        letter = letter_for(SERVICE, message, RejectedInput(reason, RejectionKind(outcome.value)))
        await self.dead_letters.send(key=message.key, value=letter.model_dump_json().encode())
        log.info("refused %s[%s]@%s: %s", message.topic, message.partition, message.offset, reason)

    # -- state per partition -----------------------------------------------------------------

    async def countries(self, partition: int) -> Countries:
        """The partition's countries, rebuilt from the tables on first use after a
        rebalance (re-sending what the outbox still holds, and reconciling)."""
        countries = self.partitions.get(partition)
        if countries is None:
            while True:  # again if a rebalance came while it was rebuilt
                generation = self._generation
                countries, undelivered = await self.rebuild(partition)
                if generation == self._generation:
                    break
            self.partitions[partition] = countries
            log.info(
                "partition %s: rebuilt %d countries, %d incidents, %d undelivered alerts",
                partition,
                len(countries.engines),
                countries.incident_count,
                len(undelivered),
            )
            await self.publish(partition, undelivered)
            await self.apply(partition, countries, countries.reconcile())
            self.metrics.record_watermarks(countries.clocks().items())
            self.record_firing()
        self.settle(partition)
        return countries

    async def rebuild(self, partition: int) -> tuple[Countries, list[Alert]]:
        """The partition's countries from the tables, and its undelivered alerts. It runs
        in a thread, so the event loop goes on answering ``/healthz``, ``/metrics`` and
        the group's heartbeats however large the state (Python switches threads every
        few milliseconds). The tables are read as snapshots, and nothing but an
        acknowledgement (which clears an outbox entry: at worst its alert is sent once
        more) changes them meanwhile: the consumer waits for this batch. The cyclic
        garbage collector is paused while millions of objects are built (it would walk
        them all, again and again: two thirds of the time), and what was built is then
        moved out of its view (``gc.freeze``)."""
        return await asyncio.to_thread(self._rebuild_now, partition)

    def _rebuild_now(self, partition: int) -> tuple[Countries, list[Alert]]:
        with collector_paused():
            return self.tables.rebuild(partition, self.config)

    def forget(self) -> None:
        """Partitions were (re)assigned: rebuild each from the recovered tables on next
        use; what is unacknowledged is still in the outbox."""
        self._generation += 1
        self.partitions.clear()
        self.sending.clear()
        self.metrics.forget_views()

    # -- output ------------------------------------------------------------------------------

    async def publish(
        self, partition: int, alerts: list[Alert], encoded: Sequence[str] | None = None
    ) -> None:
        """Hand the alerts to the producer, in order, without waiting for the broker: the
        outbox keeps them until the broker acknowledged them (and Faust flushes the
        producer before it commits an input's offset). ``encoded``: their JSON, if known."""
        if not alerts:
            return
        texts = encoded if encoded is not None else [a.model_dump_json() for a in alerts]
        futures = await self.send_alerts(
            [
                (a.fingerprint.encode(), text.encode("utf-8"), None)
                for a, text in zip(alerts, texts, strict=True)
            ]
        )
        entry = (alerts, futures)
        self.sending.setdefault(partition, []).append(entry)
        self._on_acknowledged(partition, entry)
        self.metrics.record_transitions(alerts)
        for alert in alerts:
            log.info("alert %s", alert.summary)

    def _on_acknowledged(self, partition: int, entry: tuple[list[Alert], list[Any]]) -> None:
        """Clear ``entry``'s alerts from the outbox as soon as the broker acknowledged all of
        them (not at the partition's next input: a worker stopped meanwhile would have
        re-sent them). A failed send is left in ``sending`` for ``settle`` to raise."""
        futures = entry[1]
        waiting = [f for f in futures if not f.done()]
        if not waiting:
            self._acknowledged(partition, entry)
            return
        count = len(waiting)

        def one_done(_: Any) -> None:
            nonlocal count
            count -= 1
            if count == 0:
                self._acknowledged(partition, entry)

        for future in waiting:
            future.add_done_callback(one_done)

    def _acknowledged(self, partition: int, entry: tuple[list[Alert], list[Any]]) -> None:
        if any(f.cancelled() or f.exception() is not None for f in entry[1]):
            return  # a broken broker: ``settle`` raises at the next input
        entries = self.sending.get(partition, [])
        if any(e is entry for e in entries):
            entries[:] = [e for e in entries if e is not entry]
        self.tables.delivered(entry[0])  # also after a rebalance: they were acknowledged
        if self.flush_writes is not None:
            task = asyncio.ensure_future(self.flush_writes())
            self._flushing.add(task)
            task.add_done_callback(self._flushing.discard)

    async def stop(self, wait_seconds: float = STOP_WAIT_SECONDS) -> None:
        """At shutdown (the input consumer stopped): wait up to ``wait_seconds`` for the
        broker to acknowledge what was sent, then for the outbox deletions to reach the
        changelog, so that a replacement re-sends nothing the broker acknowledged."""
        pending = [f for entries in self.sending.values() for _, fs in entries for f in fs]
        if pending:
            await asyncio.wait(pending, timeout=wait_seconds)
        while self._flushing:
            await asyncio.gather(*self._flushing, return_exceptions=True)

    def settle(self, partition: int) -> None:
        """Clear from the outbox what the broker acknowledged (done as acknowledgements
        arrive; here a failed send is raised: a broken broker crashes the worker)."""
        waiting = []
        for alerts, futures in self.sending.get(partition, []):
            if all(f.done() for f in futures):
                for future in futures:
                    future.result()  # a failed send is a broken broker: crash loudly
                self.tables.delivered(alerts)
            else:
                waiting.append((alerts, futures))
        self.sending[partition] = waiting

    async def apply(
        self,
        partition: int,
        countries: Countries,
        effects: Effects,
        arrived: dict[Key, str] | None = None,
    ) -> None:
        encoded = [a.model_dump_json() for a in effects.transitions]  # once, for both
        self.tables.persist(partition, effects, arrived or {}, encoded)
        if self.flush_writes is not None:
            await self.flush_writes()  # the outbox is queued before the alerts
        await self.publish(partition, effects.transitions, encoded)
        if effects.transitions:
            self.record_firing()
        self.metrics.record_windows(effects.windows)
        self.metrics.record_watermarks(
            (country, clock.now) for country, clock in effects.clocks.items()
        )

    def record_firing(self) -> None:
        self.metrics.record_firing(
            state for countries in self.partitions.values() for state in countries.alert_states()
        )

    # -- views -------------------------------------------------------------------------------

    def firing(self) -> list[dict[str, Any]]:
        """The alert states above level 0 in this worker's partitions, as the HTTP view
        shows them: levels by name and rank, event times as ISO 8601 (UTC)."""
        rules = {rule.name: rule for rule in self.config.rules.rules}

        def name(rule_name: str, level: int) -> str:
            rule = rules.get(rule_name)  # a rule since removed from the file: its rank
            if rule is None or not 0 < level <= len(rule.levels):
                return str(level)
            return rule.levels[level - 1].name

        return [
            {
                "rule": state["rule"],
                "group_key": state["group_key"],
                "level": name(state["rule"], state["level"]),
                "level_rank": state["level"],
                "seq": state["seq"],
                "value": state.get("value", 0),
                "episodes": [
                    {
                        "first_end": _iso(first),
                        "last_end": None if last is None else _iso(last),
                        "level": name(state["rule"], level),
                    }
                    for first, last, level in state.get("episodes", [])
                ],
            }
            for state in self.tables.firing()
        ]

    def clocks(self) -> dict[str, float]:
        """Every owned country's event-time clock."""
        out: dict[str, float] = {}
        for countries in self.partitions.values():
            out.update(countries.clocks())
        return out


def _iso(seconds: float) -> str:
    return datetime.fromtimestamp(seconds, UTC).isoformat().replace("+00:00", "Z")
