"""Consumer lag per input partition, as a Prometheus gauge, and the broker round trip
that readiness relies on.

``vigil_consumer_lag{topic, partition}``: records of the partition the service's
consumer group has not committed yet, ``log end offset - committed offset`` (what
``kafka-consumer-groups --describe`` shows as LAG). Each worker reports the input
partitions it is assigned (changelog partitions are not input), so a partition has
exactly one series, on the worker that owns it; a partition that moves away is removed.

Where the offsets come from (public aiokafka calls on a small client of the probe's own,
which shares the group id but never joins the group):

* committed: ``OffsetFetch`` for the group (what a replacing worker resumes from);
  before the first commit, the log start when the group reads from the earliest offset;
* log end: the larger of ``ListOffsets(latest)`` and the high watermark of the
  worker's own last fetch response.

On Apache Kafka ``ListOffsets(latest)`` is the high watermark, so the lag is exact at
each probe. On Tansu it under-reports (it answers the last record batch's base offset +
1, see docs in README "Metrics"), and the fetch high watermark is right: while a worker
fetches (it does whenever it keeps up or is idle) the lag is exact; when it stops
fetching a partition (stuck on a batch) the lag can be short by at most the number of
records in the partition's last batch. It is never negative.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Collection
from typing import Literal

from aiokafka import AIOKafkaConsumer, TopicPartition
from prometheus_client import CollectorRegistry, Gauge

from services.common.health import BrokerContact

log = logging.getLogger(__name__)

Assignment = Callable[[], Collection[tuple[str, int]]]
"""The (topic, partition) pairs whose lag this process reports (its input partitions)."""
Highwater = Callable[[TopicPartition], int | None]
"""The high watermark of the consumer's last fetch response for a partition, if any."""


def partition_lag(
    committed: int | None, list_end: int | None, fetch_highwater: int | None
) -> int | None:
    """Records behind, or None when nothing is known about the partition's end or there
    is no committed offset to measure from. Never negative: a committed offset past an
    end offset that under-reports (Tansu) counts as caught up."""
    ends = [end for end in (list_end, fetch_highwater) if end is not None and end >= 0]
    if committed is None or not ends:
        return None
    return max(0, max(ends) - committed)


class LagMetrics:
    def __init__(self, registry: CollectorRegistry) -> None:
        self.lag = Gauge(
            "vigil_consumer_lag",
            "Records of an input partition not committed yet by the service's consumer "
            "group (log end offset - committed offset), reported by the partition's owner.",
            ["topic", "partition"],
            registry=registry,
        )
        self._shown: set[tuple[str, str]] = set()

    def show(self, lags: dict[tuple[str, int], int]) -> None:
        """Set the given partitions' lag and remove the series of every other one."""
        current = {(topic, str(partition)): value for (topic, partition), value in lags.items()}
        for labels in self._shown - current.keys():
            self.lag.remove(*labels)
        for labels, value in current.items():
            self.lag.labels(*labels).set(value)
        self._shown = set(current)


class LagProbe:
    """Every ``interval`` seconds: one broker round trip (metadata, or the end and
    committed offsets of the assigned input partitions), its outcome recorded in
    ``contact`` for readiness, the lag in ``metrics``."""

    def __init__(
        self,
        *,
        bootstrap: str,
        contact: BrokerContact,
        interval: float,
        group_id: str | None = None,
        metrics: LagMetrics | None = None,
        assignment: Assignment | None = None,
        highwater: Highwater | None = None,
        reset: Literal["earliest", "latest"] = "earliest",
    ) -> None:
        self.bootstrap = bootstrap
        self.contact = contact
        self.interval = interval
        self.group_id = group_id
        self.metrics = metrics
        self.assignment = assignment
        self.highwater = highwater
        self.reset = reset
        self._client: AIOKafkaConsumer | None = None

    async def run(self) -> None:
        """Probe until cancelled; the client is closed on the way out."""
        try:
            while True:
                await self.tick()
                await asyncio.sleep(self.interval)
        finally:
            await self.close()

    async def tick(self) -> None:
        try:
            async with asyncio.timeout(max(self.interval, 1.0) * 2):
                lags = await self._measure()
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # the broker is away: readiness says so, we retry
            self.contact.failed(exc)
            log.debug("broker probe failed: %r", exc)
            await self.close()  # a fresh client reconnects (and re-bootstraps) next time
            return
        self.contact.succeeded()
        if self.metrics is not None and lags is not None:
            self.metrics.show(lags)

    async def _measure(self) -> dict[tuple[str, int], int] | None:
        client = await self._connected()
        owned = self.assignment() if self.assignment is not None else ()
        partitions = sorted(TopicPartition(topic, partition) for topic, partition in owned)
        if self.group_id is None or not partitions:
            await client.topics()  # a metadata request: the broker answers
            return {} if self.group_id is not None else None
        ends = await client.end_offsets(partitions)
        committed = {tp: await client.committed(tp) for tp in partitions}
        missing = [tp for tp, offset in committed.items() if offset is None]
        if missing and self.reset == "earliest":
            committed.update(await client.beginning_offsets(missing))
        lags = {}
        for tp in partitions:
            fetched = self.highwater(tp) if self.highwater is not None else None
            lag = partition_lag(committed[tp], ends.get(tp), fetched)
            if lag is not None:
                lags[(tp.topic, tp.partition)] = lag
        return lags

    async def _connected(self) -> AIOKafkaConsumer:
        if self._client is None:
            client = AIOKafkaConsumer(
                bootstrap_servers=self.bootstrap,
                group_id=self.group_id,
                client_id=f"{self.group_id or 'vigil'}-probe",
                enable_auto_commit=False,
                request_timeout_ms=int(max(self.interval, 1.0) * 2000),
            )
            try:
                await client.start()
            except BaseException:
                await client.stop()
                raise
            self._client = client
        return self._client

    async def close(self) -> None:
        client, self._client = self._client, None
        if client is not None:
            try:
                await client.stop()
            except Exception as exc:  # stopping a client of a broker that went away
                log.debug("probe client stop: %r", exc)
