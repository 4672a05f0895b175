"""The one module that touches private names of faust-streaming, mode or aiokafka.

Everything else in Vigil uses their public API; ruff's SLF001 and
``tests/unit/test_private_seam.py`` keep it that way, and
``tests/unit/test_faust_internals.py`` fails when the pinned releases (``PINNED``) no
longer have what this module relies on. Upgrading faust-streaming or aiokafka therefore
means: bump the lock (``make lock``), run that test, re-read the upstream code it names,
adjust this module.

What it changes in Faust's aiokafka driver, and why (the broker facts behind it are in
docs/infrastructure.md, sections fetch-wait, latest-offset and throughput):

* **A short fetch wait** (``ConsumerThread._create_worker_consumer``). Faust creates its
  aiokafka consumer with ``fetch_max_wait_ms=1500`` hard-coded. Tansu answers a waiting
  fetch only when that wait runs out, even when records arrive meanwhile, so every stage
  of a pipeline would add up to 1.5 s (at 10 ms the benchmark's report-to-alert p50 is
  ~45 ms instead of ~1.5 s). Apache Kafka answers as soon as ``fetch_min_bytes`` is
  there, so the short wait changes nothing for it but idle polling.
* **A short prefetch backoff** (``ConsumerThread.on_start``). aiokafka holds back the next
  fetch from a broker while any partition's fetched records are unread, for up to
  ``prefetch_backoff`` (0.1 s). A worker with tables owns its changelog partitions, which
  Faust leaves unread once recovered: the first records the worker wrote there held
  every fetch back for 100 ms.
* **End offsets read from a fetch** (``ConsumerThread._highwaters``). Table recovery
  reads each changelog partition up to the end offset the broker reports (ListOffsets
  "latest"). Tansu reports the last record batch's base offset + 1 instead of the end,
  so a replacing worker stopped short of the tail (the newest incidents, alert states and
  outbox records: false resolves followed) and a running worker whose recovered offset
  lay past that wrong end crashed with ``ConsistencyError`` when a third worker joined.
  The end offset is now the largest of the reported one, the high watermark in a fetch
  response and the last record fetched + 1, read until a fetch brings nothing more
  (``services.common.kafka.fetched_end_offsets``): the same number on Apache Kafka.
* **Batch agents** (``Consumer._drain_messages``). Faust hands records to agents one by
  one: conductor, channel queue, stream iterator, event, sensors and an ``asyncio.wait``
  per record; on a 2-core machine that path alone tops out at 3,500-6,500 records/s with
  an agent that does nothing (``make bench`` measures it every run). Topics registered
  with ``App.batch_agent`` get each fetched partition batch as one list instead: the
  consumer still joins the group, owns the partitions, tracks, acks and commits offsets
  (after flushing the producer, as for any agent), and tables recover as usual; only the
  per-record dispatch is skipped. Records of every other topic (changelogs, plain
  agents) take Faust's own path. The loop is Faust's ``Consumer._drain_messages`` and
  ``Consumer.getmany`` (faust-streaming 0.15.3), with the same guards against a
  rebalance that begins while a fetched batch is handled: a seek back to the committed
  offsets or a partition revoked meanwhile is logged and the records are fetched again,
  never a crash.
* **Table recovery in bulk** (``Consumer.recover_in_bulk``). Faust hands every changelog
  record to its recovery one at a time: a message, an event, a conductor and a queue
  round, an ``asyncio.wait_for`` per record (~8,500 records/s here: half of what a
  replacing aggregator with 150k reports of state waited). A fetched batch of a
  changelog partition under recovery (active or standby) whose table holds raw bytes is
  now applied at once through the table's own ``apply_changelog_batch`` (what recovery
  calls for its buffered events), and the recovery's offset of the partition moved to
  the last record; that last record then still takes Faust's path, where recovery sees
  it as read (skips it) and checks whether every partition reached its end, as after
  any record. The recovery's buffers are flushed first, so records apply in offset
  order. Other tables and partitions take Faust's path. (A table's
  ``on_changelog_event`` callback is not called on this path: Vigil's tables have none.)
* **No pause before recovery** (``TableManager.on_start``). Faust's table manager sleeps
  a second before it subscribes to the changelogs and starts recovery, for tables
  defined after the app started; Vigil defines every table when it builds the app, so a
  replacing worker recovers a second sooner.
* **The aiokafka producer under Faust's** (``aiokafka_producer``), to which
  ``services.common.batches`` hands whole record batches.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any

import faust
from aiokafka import AIOKafkaConsumer
from aiokafka.errors import IllegalStateError, KafkaError
from faust import tables as faust_tables
from faust.transport.consumer import CONSUMER_FETCHING
from faust.transport.drivers import aiokafka as driver
from faust.types import TP, AppT, Message

from services.common.kafka import FETCH_MAX_WAIT_MS, PREFETCH_BACKOFF_S, fetched_end_offsets

log = logging.getLogger(__name__)

PINNED = {"faust-streaming": "0.15.3", "aiokafka": "0.14.0", "mode-streaming": "0.7.1"}
"""The releases this module was written against (the lock installs exactly these)."""

RELIES_ON: tuple[tuple[str, str, tuple[str, ...] | None], ...] = (
    # (module:class, private member, its parameters if a method we call or override)
    ("faust.app.base:App", "_new_transport", ("self",)),
    ("faust.transport.drivers.aiokafka:Consumer", "_new_consumer_thread", ("self",)),
    ("faust.transport.drivers.aiokafka:AIOKafkaConsumerThread", "_create_worker_consumer",
     ("self", "transport")),
    ("faust.transport.drivers.aiokafka:AIOKafkaConsumerThread", "_highwaters",
     ("self", "partitions")),
    ("faust.transport.drivers.aiokafka:AIOKafkaConsumerThread", "_consumer", None),
    ("faust.transport.drivers.aiokafka:Producer", "_ensure_producer", ("self",)),
    ("faust.transport.consumer:Consumer", "_drain_messages", ("self", "fetcher")),
    ("faust.transport.consumer:Consumer", "_wait_next_records", ("self", "timeout")),
    ("faust.transport.consumer:Consumer", "_add_gap", ("self", "tp", "offset_from", "offset_to")),
    ("faust.transport.consumer:Consumer", "_to_message", ("self", "tp", "record")),
    ("faust.transport.consumer:Consumer", "_read_offset", None),
    ("faust.transport.consumer:Consumer", "_buffered_partitions", None),
    ("faust.transport.consumer:Consumer", "_commit_every", None),
    ("faust.transport.consumer:Consumer", "_n_acked", None),
    ("faust.tables.manager:TableManager", "_update_channels", ("self",)),
    ("mode.services:Service", "_stopped", None),
    ("aiokafka.consumer.consumer:AIOKafkaConsumer", "_fetch_max_wait_ms", None),
    ("aiokafka.consumer.consumer:AIOKafkaConsumer", "_fetcher", None),
    ("aiokafka.consumer.fetcher:Fetcher", "_prefetch_backoff", None),
)  # fmt: skip
"""Every private name used here; ``tests/unit/test_faust_internals.py`` checks each exists
(as a method with these parameters, or as an attribute the class sets) in what is installed."""

UPSTREAM_SOURCES = {
    # the loop ``Consumer._drain_messages`` below re-implements, and what it is made of
    "faust.transport.consumer:Consumer._drain_messages": "44a2500309e83c63",
    "faust.transport.consumer:Consumer.getmany": "4b168d84882a70d6",
    # what ``ConsumerThread`` extends, and how recovery uses the end offsets it returns
    "faust.transport.drivers.aiokafka:AIOKafkaConsumerThread._create_worker_consumer": (
        "c2701bfc3e6f6cad"
    ),
    "faust.transport.drivers.aiokafka:AIOKafkaConsumerThread._highwaters": "a7f4f97d9f32aca2",
    "faust.tables.recovery:Recovery._build_highwaters": "91b4cc0d3724ae7b",
    # the per-record recovery loop ``recover_in_bulk`` does the work of, a batch at a time
    "faust.tables.recovery:Recovery._slurp_changelogs.fun": "7825c7e50f766d5a",
    "faust.stores.memory:Store.apply_changelog_batch": "71863e3cd727aac2",
    "faust.stores.memory:Store._create_batch_iterator": "b082c8bcc0403823",
    # what ``TableManager.on_start`` repeats without its first line (a one-second sleep)
    "faust.tables.manager:TableManager.on_start": "365dd25fbc0e0684",
}
"""SHA-256 (first 16 hex digits) of the upstream source this module copies or builds on, as
in ``PINNED``: when an upgrade changes one, its test fails until the code here was
re-read against it and the digest updated."""

END_OFFSET_PROBE_SECONDS = 10.0
"""Longest a recovery waits for the fetches that find the changelogs' true ends."""

BatchHandler = Callable[[TP, Sequence[Message]], Awaitable[None]]
"""Processes one partition's records, in offset order. Returning means every record is
done with (its output handed to the producer): the consumer then acks them all. An
exception stops the worker, as a crashing agent would; bad input must be dead-lettered
by the handler, not raised."""


def bootstrap_servers(app: AppT) -> str:
    """``host:port,...`` of the app's consumer brokers."""
    urls = app.conf.broker_consumer
    return ",".join(f"{url.host}:{url.port or 9092}" for url in urls)


class ConsumerThread(driver.AIOKafkaConsumerThread):
    def _create_worker_consumer(self, transport: Any) -> Any:
        consumer = super()._create_worker_consumer(transport)
        consumer._fetch_max_wait_ms = FETCH_MAX_WAIT_MS  # read by consumer.start()
        return consumer

    async def on_start(self) -> None:
        await super().on_start()
        consumer: Any = self._consumer
        consumer._fetcher._prefetch_backoff = PREFETCH_BACKOFF_S

    async def _highwaters(self, partitions: list[TP]) -> Mapping[TP, int]:
        reported = dict(await super()._highwaters(partitions))
        if self.consumer.in_transaction or not reported:
            return reported
        probe = AIOKafkaConsumer(
            bootstrap_servers=bootstrap_servers(self.app),
            group_id=None,
            enable_auto_commit=False,
            fetch_max_wait_ms=FETCH_MAX_WAIT_MS,
        )
        await probe.start()
        try:
            ends = await fetched_end_offsets(probe, reported, END_OFFSET_PROBE_SECONDS)
        finally:
            await probe.stop()
        moved = {tp: (reported[tp], end) for tp, end in ends.items() if end != reported[tp]}
        if moved:
            log.info("end offsets from a fetch (reported -> real): %s", moved)
        return {TP(tp.topic, tp.partition): end for tp, end in ends.items()}


class Consumer(driver.Consumer):
    def _new_consumer_thread(self) -> ConsumerThread:
        return ConsumerThread(self, loop=self.loop, beacon=self.beacon)

    async def _drain_messages(self, fetcher: Any) -> None:  # pragma: no cover - in workers
        """Faust's fetch loop, with batch-agent topics handed over a partition batch at a
        time (see the module docstring)."""
        handlers: dict[str, BatchHandler] = getattr(self.app, "batch_handlers", {})
        consumer_stopped = self._stopped.is_set
        fetcher_stopped = fetcher._stopped.is_set
        try:
            while not (consumer_stopped() or fetcher_stopped()):
                self.diag.set_flag(CONSUMER_FETCHING)
                records, active = await self._wait_next_records(1.0)
                await asyncio.sleep(0)
                if records is None or self.should_stop:
                    continue
                if not self.flow_active:
                    await self.seek_back_to_committed()
                    continue
                generation = self.app.consumer_generation_id
                for tp, batch in records.items():
                    if not self.flow_active or self.app.consumer_generation_id != generation:
                        break  # a rebalance began: these records will be fetched again
                    if active is not None and not (tp in active or tp in self._buffered_partitions):
                        continue
                    try:
                        highwater = self.highwater(tp)
                    except IllegalStateError:
                        break  # revoked since the fetch: a rebalance is under way
                    self.app.monitor.track_tp_end_offset(tp, highwater)
                    handler = handlers.get(tp.topic)
                    if handler is not None:
                        await self._as_batch(tp, batch, handler)
                    elif (last := self.recover_in_bulk(tp, batch)) is not None:
                        await self._one_by_one(tp, [last], generation)  # recovery's check
                    else:
                        await self._one_by_one(tp, batch, generation)
                self.diag.unset_flag(CONSUMER_FETCHING)
        except self.consumer_stopped_errors:
            if self.transport.app.should_stop:
                return
            raise
        except asyncio.CancelledError:
            if self.transport.app.should_stop:
                return
            raise
        except Exception as exc:
            self.log.exception("Drain messages raised: %r", exc)
            raise
        finally:
            self.diag.unset_flag(CONSUMER_FETCHING)

    async def seek_back_to_committed(self) -> None:
        """Back to the committed offsets while the flow is stopped, as Faust's ``getmany``
        does. A rebalance that revokes partitions meanwhile makes aiokafka raise
        (``IllegalStateError: No current assignment for partition``): the recovery that
        follows the rebalance seeks again, so this is logged, not fatal."""
        try:
            await self.perform_seek()
        except (KafkaError, AssertionError) as exc:  # aiokafka asserts some partition is assigned
            log.info("seek to committed offsets skipped (rebalance under way): %r", exc)

    async def _fresh(self, tp: TP, records: Sequence[Any]) -> list[Message]:
        """The records not read yet, as Faust messages; offset gaps (compaction) are
        recorded so that commits can pass them, as Faust does."""
        read = self._read_offset[tp]
        acks = self.app.topics.acks_enabled_for(tp.topic)
        out: list[Message] = []
        for record in records:
            offset = record.offset
            if read is not None and offset < read:
                continue
            if read and offset - read > 1 and acks:
                await self._add_gap(tp, read + 1, offset)
            out.append(self._to_message(tp, record))
            read = offset
        return out

    async def _one_by_one(self, tp: TP, records: Sequence[Any], generation: int) -> None:
        callback = self.callback
        for message in await self._fresh(tp, records):
            if not self.flow_active or self.app.consumer_generation_id != generation:
                return
            await self._maybe_commit()
            await self.wait_first(callback(message), self.suspend_flow.wait())
            self._read_offset[tp] = message.offset

    async def _as_batch(self, tp: TP, records: Sequence[Any], handler: BatchHandler) -> None:
        messages = await self._fresh(tp, records)
        if not messages:
            return
        await self._maybe_commit()
        for message in messages:
            message.tracked = True
            self.track_message(message)
        await handler(tp, messages)
        for message in messages:
            self.ack(message)
        self._read_offset[tp] = messages[-1].offset

    def recover_in_bulk(self, tp: TP, records: Sequence[Any]) -> Any | None:
        """Apply a fetched batch of a changelog partition under recovery to its table at
        once; the record still to hand to Faust's path (see the module docstring), or
        None when this partition is not recovered here."""
        if not records or tp.topic not in self.app.tables.changelog_topics:
            return None
        manager: Any = self.app.tables  # TableManager; its type stub lacks ``recovery``
        recovery = manager.recovery
        table = recovery.tp_to_table.get(tp)
        if table is None or table.key_type is not bytes or table.value_type is not bytes:
            return None  # keys or values to decode: Faust's path does that
        if tp in recovery.active_tps:
            offsets = recovery.active_offsets
        elif tp in recovery.standby_tps:
            offsets = recovery.standby_offsets
        else:
            return None
        seen = offsets.get(tp)
        fresh = [r for r in records if seen is None or r.offset > seen]
        if fresh:
            recovery.flush_buffers()  # what Faust's path buffered applies first
            table.apply_changelog_batch([_ChangelogEvent(r) for r in fresh])
            offsets[tp] = fresh[-1].offset
        return records[-1]

    async def _maybe_commit(self) -> None:
        every = self._commit_every
        if every is not None and self._n_acked >= every:
            self._n_acked = 0
            await self.commit()


class _ChangelogEvent:
    """What a table's ``apply_changelog_batch`` reads of a changelog event (key, value and
    the message's value and partition), for a raw-bytes table straight from the record."""

    __slots__ = ("key", "message", "value")

    def __init__(self, record: Any) -> None:
        self.key = record.key
        self.value = record.value
        self.message = record  # .value, .partition


class Transport(driver.Transport):
    Consumer = Consumer


class TableManager(faust_tables.TableManager):
    async def on_start(self) -> None:
        """Faust's, without the second it sleeps first (so that tables defined once the
        app runs are registered): every Vigil table is defined when the app is built."""
        if not self.should_stop:
            await self._update_channels()
            await self.recovery.start()


class FaustApp(faust.App):
    """``faust.App`` whose Kafka transport is ``Transport`` above and whose table manager
    starts without a pause (``TableManager``)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("TableManager", TableManager)
        super().__init__(*args, **kwargs)

    def _new_transport(self) -> Any:
        return Transport(self.conf.broker_consumer, self)


def aiokafka_producer(producer: Any) -> Any:
    """The ``AIOKafkaProducer`` under a started Faust producer."""
    return producer._ensure_producer()
