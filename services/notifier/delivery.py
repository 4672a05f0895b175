"""Channels (how one alert reaches one destination) and the per-channel worker that
delivers them in order, with retries, ``Retry-After``, pacing and re-sends.

Each channel has one worker draining one bounded FIFO queue, one alert at a time. That
keeps every channel's order (so per-fingerprint order: fired before resolved) at the cost
of head-of-line waiting while one alert is retried, which is what a channel that is down
needs anyway: nothing behind the stuck alert could be delivered either. Channels do not
wait for each other: a dead channel holds back the healthy ones only once its queue is
full (``queue_size`` alerts; then the notifier stops reading until it drains or, with
``give_up_after``, dead-letters its oldest alerts).

What a channel settled is kept by the owner (``NotifierLoop``) in the delivery ledger;
the worker asks it before each delivery whether the channel still wants the alert.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import time
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol, TextIO

import aiohttp

from schemas.alerts import Alert
from services.common.deadletter import REDRIVEN_HEADER
from services.notifier.domain.ledger import Active
from services.notifier.domain.retry import (
    Outcome,
    RetryPolicy,
    classify_status,
    parse_retry_after,
)
from services.notifier.domain.text import message_text
from services.notifier.metrics import NotifierMetrics

log = logging.getLogger(__name__)
console_log = logging.getLogger("services.notifier.console")


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

    @property
    def redriven(self) -> bool:
        """A dead letter sent back by ``vigil deadletters redrive``."""
        return any(name == REDRIVEN_HEADER for name, _ in self.headers)


@dataclass
class Pending:
    alert: Alert
    record: SourceRecord
    epoch: int = 0
    """The partition's ownership epoch when read (a stale one belongs to a lost partition)."""
    received: float = field(default_factory=time.monotonic)


@dataclass(frozen=True)
class Attempt:
    outcome: Outcome
    status: int | None
    detail: str
    retry_after: float | None = None
    """Seconds the endpoint asked to wait (``Retry-After``)."""
    at: datetime | None = None
    """The delivery time the request was made for (what ``startsAt`` said, say)."""


@dataclass(frozen=True)
class Request:
    url: str
    body: Any
    headers: Mapping[str, str] = field(default_factory=dict)


Render = Callable[[Alert, Active | None, datetime], Request | None]
"""(alert, what is in force on the channel, delivery time) -> the request, or None when
the channel has nothing to send for this transition."""
RenderActive = Callable[[Sequence[Active], datetime], Request | None]


class Channel(Protocol):
    name: str
    keeps_active: bool
    """True for a channel that must be re-sent what is in force (Alertmanager)."""
    resend_interval: float | None
    min_interval: float
    """Seconds between two requests (Slack allows 1 message a second)."""

    async def send(self, alert: Alert, active: Active | None) -> Attempt: ...

    async def resend(self, active: Sequence[Active]) -> Attempt: ...


class HttpChannel:
    """POSTs what ``render`` makes as JSON; never follows redirects, never raises for
    network trouble (that is an ``Attempt`` with outcome RETRY)."""

    def __init__(
        self,
        name: str,
        render: Render,
        *,
        session: aiohttp.ClientSession,
        timeout: float,
        render_active: RenderActive | None = None,
        resend_interval: float | None = None,
        min_interval: float = 0.0,
        now: Callable[[], datetime] = utc_now,
    ) -> None:
        self.name = name
        self._render = render
        self._render_active = render_active
        self.keeps_active = render_active is not None
        self.resend_interval = resend_interval if render_active is not None else None
        self.min_interval = min_interval
        self._session = session
        self._timeout = aiohttp.ClientTimeout(total=timeout)
        self._now = now

    async def send(self, alert: Alert, active: Active | None) -> Attempt:
        now = self._now()
        return await self._post(self._render(alert, active, now), now)

    async def resend(self, active: Sequence[Active]) -> Attempt:
        if self._render_active is None:
            return Attempt(Outcome.SKIPPED, None, "not a re-sending channel")
        now = self._now()
        return await self._post(self._render_active(active, now), now)

    async def _post(self, request: Request | None, now: datetime) -> Attempt:
        if request is None:
            return Attempt(Outcome.SKIPPED, None, "nothing to send for this transition", at=now)
        try:
            async with self._session.post(
                request.url,
                json=request.body,
                headers=dict(request.headers),
                timeout=self._timeout,
                allow_redirects=False,
            ) as response:
                text = (await response.text(errors="replace"))[:500]
                wait = parse_retry_after(response.headers.get("Retry-After"), self._now())
                status = classify_status(response.status)
                return Attempt(status, response.status, text, wait, at=now)
        except (aiohttp.ClientError, TimeoutError, OSError) as exc:
            return Attempt(Outcome.RETRY, None, f"{type(exc).__name__}: {exc}"[:500])


class ConsoleChannel:
    """Every message in plain text, as a log record of ``services.notifier.console`` (in
    the service's log format, on standard error: one JSON object per message with
    ``VIGIL_LOG_FORMAT=json``), or printed on ``stream`` when one is given (the CLI)."""

    keeps_active: bool = False
    resend_interval: float | None = None
    min_interval: float = 0.0

    def __init__(self, url_of: Callable[[Alert], str | None], stream: TextIO | None = None) -> None:
        self.name = "console"
        self._url_of = url_of
        self._stream = stream

    async def send(self, alert: Alert, active: Active | None) -> Attempt:
        text = message_text(alert, self._url_of(alert))
        if self._stream is not None:
            print(text + "\n", file=self._stream, flush=True)
        else:
            extra = {"channel": "console", "fingerprint": alert.fingerprint, "seq": alert.seq}
            console_log.info("%s", text, extra=extra)
        return Attempt(Outcome.DELIVERED, None, "printed")

    async def resend(self, active: Sequence[Active]) -> Attempt:
        return Attempt(Outcome.SKIPPED, None, "not a re-sending channel")


class Owner(Protocol):
    """What a worker needs from the notifier loop (which owns the ledger and offsets)."""

    def current(self, item: Pending) -> bool:
        """False once the item's partition was revoked (then it is dropped, not settled)."""

    def wants(self, channel: str, item: Pending) -> bool: ...

    def active_on(self, channel: str, item: Pending) -> Active | None: ...

    def active(self, channel: str) -> list[Active]: ...

    async def settled(
        self,
        item: Pending,
        channel: str,
        *,
        delivered: bool,
        write: bool,
        at: datetime | None = None,
    ) -> None:
        """Record the outcome (ledger when ``write``; ``at``: the delivery time the request
        was made for) and release the offset for ``channel``."""

    async def failed(self, item: Pending, channel: str, reason: str) -> None:
        """Keep the alert somewhere (dead letter), then settle it as refused."""


class ChannelWorker:
    def __init__(
        self,
        channel: Channel,
        policy: RetryPolicy,
        *,
        owner: Owner,
        metrics: NotifierMetrics,
        queue_size: int,
        retry_after_max: float = 600.0,
        give_up_after: float | None = None,
        rng: Callable[[], float] = random.random,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.channel = channel
        self.name = channel.name
        self._policy = policy
        self._owner = owner
        self._metrics = metrics
        self._size = queue_size
        self._retry_after_max = retry_after_max
        self._give_up_after = give_up_after
        self._rng = rng
        self._clock = clock
        self._items: deque[Pending] = deque()
        self._ready = asyncio.Event()
        self._wake = asyncio.Event()
        self._item_done = asyncio.Event()
        self._current: Pending | None = None
        self._pending = 0
        self._idle = asyncio.Event()
        self._idle.set()
        self._down = False
        self._last_request = -float("inf")
        interval = channel.resend_interval if channel.keeps_active else None
        self._resend_interval = interval
        self._resend_due = clock() if interval else float("inf")
        metrics.channel_configured(self.name)

    @property
    def pending(self) -> int:
        """Queued plus in delivery."""
        return self._pending

    def free(self) -> int:
        return self._size - len(self._items)

    def put(self, item: Pending) -> None:
        """Queue without waiting; the caller checks ``free()`` first."""
        if len(self._items) >= self._size:
            raise asyncio.QueueFull
        self._items.append(item)
        self._set_pending(self._pending + 1)
        self._ready.set()

    def resend_now(self) -> None:
        """Re-send what is in force at the next chance (after an assignment, at start-up)."""
        if self._resend_interval:
            self._resend_due = self._clock()
            self._ready.set()

    async def drained(self, within: float) -> bool:
        """Wait up to ``within`` s for nothing to be pending; True if so."""
        try:
            await asyncio.wait_for(self._idle.wait(), within)
        except TimeoutError:
            return False
        return True

    async def abandon(self, partitions: set[int]) -> None:
        """Drop the queued alerts of ``partitions`` and wait for the one in delivery, if it
        is theirs, to end: its request in flight finishes (and its outcome is recorded),
        its retries stop. The owner has already made those items not ``current``."""
        kept = deque(i for i in self._items if i.record.partition not in partitions)
        dropped = len(self._items) - len(kept)
        self._items = kept
        if dropped:
            self._set_pending(self._pending - dropped)
        self._wake.set()
        while self._current is not None and self._current.record.partition in partitions:
            self._item_done.clear()
            await self._item_done.wait()

    async def run(self) -> None:
        while True:
            item = await self._next()
            if item is None:
                await self._resend()
                continue
            self._current = item
            try:
                await self._deliver(item)
            finally:
                self._current = None
                self._set_pending(self._pending - 1)
                self._item_done.set()

    async def _next(self) -> Pending | None:
        """The next alert, or None when a re-send is due."""
        while True:
            if self._clock() >= self._resend_due:
                return None
            if self._items:
                return self._items.popleft()
            self._ready.clear()
            timeout = None
            if self._resend_due != float("inf"):
                timeout = max(0.0, self._resend_due - self._clock())
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._ready.wait(), timeout)

    async def _resend(self) -> None:
        assert self._resend_interval is not None
        self._resend_due = self._clock() + self._resend_interval
        active = self._owner.active(self.name)
        if not active:
            return
        await self._pace()
        result = await self.channel.resend(active)
        self._last_request = self._clock()
        ok = result.outcome in (Outcome.DELIVERED, Outcome.SKIPPED)
        self._metrics.resent(self.name, "delivered" if ok else "failed", len(active))
        if not ok:
            log.warning(
                "channel %s: re-sending %d active alert(s) failed (HTTP %s: %s); next in %gs",
                self.name,
                len(active),
                result.status,
                result.detail,
                self._resend_interval,
            )

    async def _deliver(self, item: Pending) -> None:
        owner, name = self._owner, self.name
        if not owner.current(item):
            return  # its partition moved to another worker, which delivers it
        if not owner.wants(name, item):
            # settled meanwhile (the same transition twice in the queue): nothing to send
            self._metrics.skipped(name)
            await owner.settled(item, name, delivered=True, write=False)
            return
        attempt = 1
        while True:
            age = self._clock() - item.received
            overdue = self._give_up_after is not None and age >= self._give_up_after
            if overdue and self._down and attempt == 1:
                await self._fail(item, f"channel {name} down for over {self._give_up_after:g}s")
                return
            await self._pace()
            result = await self.channel.send(item.alert, owner.active_on(name, item))
            self._last_request = self._clock()
            if result.outcome in (Outcome.DELIVERED, Outcome.SKIPPED):
                self._down = False
                if result.outcome is Outcome.SKIPPED:
                    self._metrics.skipped(name)
                else:
                    self._metrics.delivered(name, self._clock() - item.received)
                await owner.settled(item, name, delivered=True, write=True, at=result.at)
                return
            self._down = True
            permanent = result.outcome is Outcome.PERMANENT
            age = self._clock() - item.received
            overdue = self._give_up_after is not None and age >= self._give_up_after
            if permanent or self._policy.gives_up(attempt) or overdue:
                why = "refused" if permanent else "still failing"
                await self._fail(
                    item,
                    f"channel {name} {why} alert {item.alert.fingerprint} seq "
                    f"{item.alert.seq} after {attempt} attempt(s): HTTP {result.status}: "
                    f"{result.detail}",
                )
                return
            if not owner.current(item):
                return  # revoked while failing: the new owner retries it
            delay = self._policy.wait(attempt, self._rng, result.retry_after, self._retry_after_max)
            log.warning(
                "channel %s attempt %d for %s seq %d failed (HTTP %s: %s); retrying in %.2fs",
                name,
                attempt,
                item.alert.fingerprint,
                item.alert.seq,
                result.status,
                result.detail,
                delay,
            )
            self._metrics.retried(name)
            self._wake.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), delay)
            if not owner.current(item):
                return
            attempt += 1

    async def _fail(self, item: Pending, reason: str) -> None:
        log.error("%s", reason)
        self._metrics.failed(self.name)
        await self._owner.failed(item, self.name, reason)

    async def _pace(self) -> None:
        wait = self._last_request + self.channel.min_interval - self._clock()
        if wait > 0:
            await asyncio.sleep(wait)

    def _set_pending(self, count: int) -> None:
        self._pending = count
        self._metrics.set_pending(self.name, count)
        if count == 0:
            self._idle.set()
        else:
            self._idle.clear()
