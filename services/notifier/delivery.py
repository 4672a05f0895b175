"""Outbound channels: an HTTP POST per alert, and a worker per channel that retries.

Each channel has one worker draining one bounded FIFO queue, one alert at a time. That
keeps every channel's order (so per-fingerprint order: fired before resolved) at the cost
of head-of-line waiting while one alert is retried, which is what a channel that is down
needs anyway: nothing behind the stuck alert could be delivered either.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol

import aiohttp

from schemas.alerts import Alert
from services.notifier.domain.retry import Outcome, RetryPolicy, classify_status
from services.notifier.metrics import NotifierMetrics

log = logging.getLogger(__name__)

Render = Callable[[Alert, datetime], Any]
"""Alert and delivery time -> JSON body."""


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class SourceRecord:
    """Where an alert came from, byte for byte, for commits and dead letters."""

    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None
    headers: tuple[tuple[str, bytes], ...] = ()


@dataclass
class Pending:
    alert: Alert
    record: SourceRecord
    received: float = field(default_factory=time.monotonic)


@dataclass(frozen=True)
class Attempt:
    outcome: Outcome
    status: int | None
    detail: str


class Channel(Protocol):
    name: str

    async def send(self, alert: Alert) -> Attempt: ...


class HttpChannel:
    """POSTs ``render(alert, now)`` as JSON; never follows redirects, never raises for
    network trouble (that is an ``Attempt`` with outcome RETRY)."""

    def __init__(
        self,
        name: str,
        url: str,
        render: Render,
        *,
        session: aiohttp.ClientSession,
        timeout: float,
        headers: Callable[[Alert], Mapping[str, str]] | None = None,
        now: Callable[[], datetime] = utc_now,
    ) -> None:
        self.name = name
        self._url = url
        self._render = render
        self._session = session
        self._timeout = aiohttp.ClientTimeout(total=timeout)
        self._headers = headers
        self._now = now

    async def send(self, alert: Alert) -> Attempt:
        body = self._render(alert, self._now())
        headers = dict(self._headers(alert)) if self._headers else {}
        try:
            async with self._session.post(
                self._url, json=body, headers=headers, timeout=self._timeout, allow_redirects=False
            ) as response:
                text = (await response.text(errors="replace"))[:500]
                return Attempt(classify_status(response.status), response.status, text)
        except (aiohttp.ClientError, TimeoutError, OSError) as exc:
            return Attempt(Outcome.RETRY, None, f"{type(exc).__name__}: {exc}"[:500])


OnSettled = Callable[[Pending], None]
OnFailure = Callable[[Pending, str, str], Awaitable[None]]
"""(pending alert, channel name, reason): must keep the alert somewhere (dead letter)."""


class ChannelWorker:
    def __init__(
        self,
        channel: Channel,
        policy: RetryPolicy,
        *,
        metrics: NotifierMetrics,
        on_settled: OnSettled,
        on_failure: OnFailure,
        queue_size: int,
        rng: Callable[[], float] = random.random,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.channel = channel
        self.name = channel.name
        self._policy = policy
        self._metrics = metrics
        self._on_settled = on_settled
        self._on_failure = on_failure
        self._queue: asyncio.Queue[Pending] = asyncio.Queue(queue_size)
        self._rng = rng
        self._sleep = sleep
        self._clock = clock
        self._pending = 0
        self._idle = asyncio.Event()
        self._idle.set()
        metrics.channel_configured(self.name)

    @property
    def pending(self) -> int:
        """Queued plus in delivery."""
        return self._pending

    def free(self) -> int:
        return self._queue.maxsize - self._queue.qsize()

    def put(self, item: Pending) -> None:
        """Queue without waiting; the caller checks ``free()`` first (raises QueueFull)."""
        self._queue.put_nowait(item)
        self._set_pending(self._pending + 1)

    async def drained(self, within: float) -> bool:
        """Wait up to ``within`` s for nothing to be pending; True if so."""
        try:
            await asyncio.wait_for(self._idle.wait(), within)
        except TimeoutError:
            return False
        return True

    async def run(self) -> None:
        while True:
            item = await self._queue.get()
            await self._deliver(item)
            self._queue.task_done()
            self._set_pending(self._pending - 1)
            self._on_settled(item)

    async def _deliver(self, item: Pending) -> None:
        attempt = 1
        while True:
            result = await self.channel.send(item.alert)
            if result.outcome is Outcome.DELIVERED:
                self._metrics.delivered(self.name, self._clock() - item.received)
                return
            if result.outcome is Outcome.PERMANENT or self._policy.gives_up(attempt):
                why = "refused" if result.outcome is Outcome.PERMANENT else "still failing"
                reason = (
                    f"channel {self.name} {why} alert {item.alert.fingerprint} seq "
                    f"{item.alert.seq} after {attempt} attempt(s): HTTP {result.status}: "
                    f"{result.detail}"
                )
                log.error("%s", reason)
                self._metrics.failed(self.name)
                await self._on_failure(item, self.name, reason)
                return
            delay = self._policy.delay(attempt, self._rng)
            log.warning(
                "channel %s attempt %d for %s failed (HTTP %s: %s); retrying in %.2fs",
                self.name,
                attempt,
                item.alert.fingerprint,
                result.status,
                result.detail,
                delay,
            )
            self._metrics.retried(self.name)
            await self._sleep(delay)
            attempt += 1

    def _set_pending(self, count: int) -> None:
        self._pending = count
        self._metrics.set_pending(self.name, count)
        if count == 0:
            self._idle.set()
        else:
            self._idle.clear()
