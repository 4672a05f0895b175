"""Faust's Kafka consumer, made fit for Vigil's hot paths.

Two changes to ``faust.transport.drivers.aiokafka``:

* **A short fetch wait.** Faust creates its aiokafka consumer with
  ``fetch_max_wait_ms=1500`` hard-coded. Tansu answers a waiting fetch only when that wait
  runs out, even when records arrive meanwhile (measured: a record's median delivery
  delay is ~550 ms at 1,500 ms, 7 ms at 50 ms; at 20 ms the benchmark's report-to-alert
  p50 was ~50 ms instead of ~1.5 s, at 10 ms ~5 ms less again), so every stage of a
  pipeline would add up to 1.5 s.
  Apache Kafka answers as soon as ``fetch_min_bytes`` is there, so the short wait changes
  nothing for it but idle polling.
* **Batch agents.** Faust hands records to agents one by one: conductor, channel queue,
  stream iterator, event, sensors and an ``asyncio.wait`` per record. On this 2-core
  machine that path alone tops out at 3,500-4,500 records/s with an agent that does nothing
  (``scripts/bench.py`` measures it every run). ``App.batch_agent`` registers a handler
  that gets each fetched partition batch as one list instead: the consumer still joins
  the group, owns the partitions, tracks, acks and commits offsets (after flushing the
  producer, as for any agent), and tables recover as usual; only the per-record
  dispatch is skipped. Records of every other topic (changelogs, plain agents) take
  Faust's usual path.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

import faust
from faust.transport.consumer import CONSUMER_FETCHING
from faust.transport.drivers import aiokafka as driver
from faust.types import TP, Message

FETCH_MAX_WAIT_MS = 10
PREFETCH_BACKOFF_S = 0.005

BatchHandler = Callable[[TP, Sequence[Message]], Awaitable[None]]
"""Processes one partition's records, in offset order. Returning means every record is
done with (its output handed to the producer): the consumer then acks them all. An
exception stops the worker, as a crashing agent would; bad input must be dead-lettered
by the handler, not raised."""


class _ConsumerThread(driver.AIOKafkaConsumerThread):
    def _create_worker_consumer(self, transport: Any) -> Any:
        consumer = super()._create_worker_consumer(transport)
        consumer._fetch_max_wait_ms = FETCH_MAX_WAIT_MS  # read by consumer.start()
        return consumer

    async def on_start(self) -> None:
        await super().on_start()
        # aiokafka holds back the next fetch from a broker while any partition's fetched
        # records are unread, for up to ``prefetch_backoff`` (0.1 s). A worker with tables
        # is assigned its own changelog partitions, which Faust leaves out of the
        # partitions it reads once recovered: the first records the worker writes there
        # came back in a fetch and held every fetch from that broker back for 100 ms
        # (measured: the first alerts after a start were ~100 ms late).
        consumer: Any = self._consumer
        consumer._fetcher._prefetch_backoff = PREFETCH_BACKOFF_S


class _Consumer(driver.Consumer):
    def _new_consumer_thread(self) -> _ConsumerThread:
        return _ConsumerThread(self, loop=self.loop, beacon=self.beacon)

    async def _drain_messages(self, fetcher: Any) -> None:  # pragma: no cover - in workers
        """Faust's fetch loop (``Consumer._drain_messages`` and ``Consumer.getmany``),
        with the records of batch-agent topics handed over a partition batch at a time."""
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
                    await self.perform_seek()  # as Faust does: back to committed offsets
                    continue
                generation = self.app.consumer_generation_id
                for tp, batch in records.items():
                    if not self.flow_active or self.app.consumer_generation_id != generation:
                        break  # a rebalance began: these records will be fetched again
                    if active is not None and not (tp in active or tp in self._buffered_partitions):
                        continue
                    self.app.monitor.track_tp_end_offset(tp, self.highwater(tp))
                    handler = handlers.get(tp.topic)
                    if handler is None:
                        await self._one_by_one(tp, batch, generation)
                    else:
                        await self._as_batch(tp, batch, handler)
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

    async def _maybe_commit(self) -> None:
        every = self._commit_every
        if every is not None and self._n_acked >= every:
            self._n_acked = 0
            await self.commit()


class _Transport(driver.Transport):
    Consumer = _Consumer


class App(faust.App):
    """``faust.App`` with the short fetch wait and batch agents described above."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.batch_handlers: dict[str, BatchHandler] = {}

    def _new_transport(self) -> Any:
        return _Transport(self.conf.broker_consumer, self)

    def batch_agent(self, *topic_names: str) -> Callable[[BatchHandler], BatchHandler]:
        """Register ``handler`` for the records of ``topic_names`` (subscribed through the
        conductor like any agent's topic, so the worker owns their partitions)."""

        def register(handler: BatchHandler) -> BatchHandler:
            self.topics.add(self.topic(*topic_names))
            for name in topic_names:
                self.batch_handlers[name] = handler
            return handler

        return register
