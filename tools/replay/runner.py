"""Running a replay: the classifier and aggregator on a broker, the prepared reports
published in the order given (``logic.prepare``: event-time order), every alert
transition collected.

The services run in history mode: the aggregator's idle ticks are disabled (tick
interval 0: a tick moves event time by wall-clock idle time, which would make the alerts
depend on how fast the machine is) and "future" is judged against each report's own
``reported_at`` (``VIGIL_FUTURE_REFERENCE=reported_at``), never the machine's clock.

Completion is read from the services' own metrics, with a deadline: the replay is done
when the aggregator has consumed (or dead-lettered) every report the classifier passed
on, and the alerts topic has delivered as many transitions as the aggregator published.
The services' counts of reports that changed nothing (by reason) come back with the
alerts, so nothing is left out of the summary.
"""

from __future__ import annotations

import asyncio
import contextlib
import shutil
import tempfile
import time
import urllib.request
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path

from aiokafka import AIOKafkaConsumer
from prometheus_client.parser import text_string_to_metric_families

from schemas.alerts import Alert
from schemas.reports import IncidentReport
from services.aggregator.domain.rules import load_rules
from services.common.errors import VigilError
from services.common.eventtime import FutureReference
from services.common.kafka import create_vigil_topics
from services.common.progress import Progress
from services.common.publisher import make_producer, publish_reports
from services.common.topics import Topics
from tools.broker import start_broker
from tools.stack import Stack

SERVICES = ("classifier", "aggregator")
BATCH = 500
POLL_SECONDS = 0.25

Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]
Done = Callable[[], Awaitable[tuple[bool, int]]]
"""A completion check: (reached, progress count)."""


class ReplayFailed(VigilError):
    """The replay could not run or did not finish (unreachable broker, dead worker, deadline)."""


@dataclass
class ReplayResult:
    published: int
    alerts: list[Alert]
    consumed: int
    deadletters: int
    seconds: float
    ignored: dict[str, int] = field(default_factory=dict)
    """Reports that changed nothing, by reason (duplicate, superseded, conflict, ...)."""
    phases: dict[str, float] = field(default_factory=dict)
    run_dir: Path | None = None


def scrape(url: str) -> Samples:
    """A service's /metrics as {(sample name, sorted labels): value}; {} while it is down."""
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            text = response.read().decode("utf-8")
    except OSError:
        return {}
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


def total(samples: Samples, name: str, **labels: str) -> int:
    want = set(labels.items())
    return int(sum(v for (n, lab), v in samples.items() if n == name and want <= set(lab)))


async def collect_alerts(
    bootstrap: str, topic: str, into: list[Alert], stop: asyncio.Event
) -> None:
    consumer = AIOKafkaConsumer(
        topic, bootstrap_servers=bootstrap, group_id=None, auto_offset_reset="earliest"
    )
    await consumer.start()
    try:
        while not stop.is_set():
            for records in (await consumer.getmany(timeout_ms=200)).values():
                into.extend(Alert.model_validate_json(r.value) for r in records if r.value)
    finally:
        await consumer.stop()


class Replay:
    """One replay run: a stack of services, its topics, and what it has seen."""

    def __init__(self, stack: Stack, topics: Topics, deadline_seconds: float) -> None:
        self.stack = stack
        self.topics = topics
        self.deadline_seconds = deadline_seconds
        self.alerts: list[Alert] = []

    def _check_alive(self) -> None:
        for name, proc in self.stack.processes.items():
            if proc.poll() is not None:
                raise ReplayFailed(
                    f"{name} exited with {proc.returncode}; see {self.stack.run_dir}/{name}.log"
                )

    async def _until(self, done: Done, what: str, progress: Progress | None = None) -> None:
        deadline = time.monotonic() + self.deadline_seconds
        while True:
            self._check_alive()
            reached, count = await done()
            if progress is not None:
                progress.update(count)
            if reached:
                return
            if time.monotonic() > deadline:
                raise ReplayFailed(
                    f"timed out after {self.deadline_seconds:.0f} s waiting for {what} "
                    f"(at {count}); logs in {self.stack.run_dir}"
                )
            await asyncio.sleep(POLL_SECONDS)

    async def aggregated(
        self, published: int, progress: Progress | None
    ) -> tuple[int, int, int, dict[str, int]]:
        """Wait until every published report reached the aggregator (or a dead letter);
        returns (aggregator records consumed, dead letters, alert transitions published,
        reports that changed nothing by reason)."""
        urls = self.stack.urls
        seen: dict[str, Samples] = {}

        async def done() -> tuple[bool, int]:
            for name in SERVICES:
                seen[name] = await asyncio.to_thread(scrape, urls[name])
            dropped = total(seen["classifier"], "vigil_reports_consumed_total", outcome="invalid")
            consumed = total(seen["aggregator"], "vigil_reports_consumed_total")
            return consumed + dropped >= published, consumed + dropped

        await self._until(done, "the aggregator to consume every report", progress)
        dead = sum(total(s, "vigil_deadletters_total") for s in seen.values())
        consumed = total(seen["aggregator"], "vigil_reports_consumed_total")
        ignored: dict[str, int] = {}
        for samples in seen.values():
            for (name, labels), value in samples.items():
                if name == "vigil_reports_ignored_total" and value:
                    reason = dict(labels)["reason"]
                    ignored[reason] = ignored.get(reason, 0) + int(value)
        return consumed, dead, total(seen["aggregator"], "vigil_alerts_total"), ignored

    async def delivered(self, expected: int) -> None:
        async def done() -> tuple[bool, int]:
            return len(self.alerts) >= expected, len(self.alerts)

        await self._until(done, f"{expected} alert transitions on {self.topics.alerts}")


def service_env(topics: Topics, rules_file: Path | None) -> dict[str, str]:
    """Settings of the replay's workers: its own topics and consumer groups, no idle
    ticks, "future" judged against the history."""
    env = {
        "VIGIL_TOPIC_PREFIX": topics.prefix,
        "VIGIL_APP_ID_PREFIX": f"{topics.prefix}vigil",
        "VIGIL_AGGREGATOR_TICK_INTERVAL_SECONDS": "0",
        "VIGIL_FUTURE_REFERENCE": FutureReference.REPORTED_AT.value,
    }
    if rules_file is not None:
        env["VIGIL_AGGREGATOR_RULES_FILE"] = str(rules_file.resolve())
    return env


async def replay(
    reports: list[IncidentReport],
    *,
    bootstrap: str | None = None,
    rules_file: Path | None = None,
    prefix: str | None = None,
    label: str = "replay",
    deadline_seconds: float | None = None,
    keep_dir: bool = False,
) -> ReplayResult:
    """Run classifier + aggregator (on an embedded broker unless ``bootstrap``), publish
    ``reports`` in the order given, and return every alert transition. Stops every
    process it started, by PID, whatever happens (also on cancellation / Ctrl-C)."""
    started = time.monotonic()
    if rules_file is not None:
        load_rules(rules_file)  # a bad rules file fails here, with its line, not in a worker
    run_dir = Path(tempfile.mkdtemp(prefix="vigil-replay-"))
    stack = Stack(run_dir, bootstrap or "")
    topics = Topics(prefix if prefix is not None else f"replay-{uuid.uuid4().hex[:8]}.")
    wait = deadline_seconds if deadline_seconds is not None else 60 + len(reports) / 100
    run = Replay(stack, topics, wait)
    stop = asyncio.Event()
    collector: asyncio.Task[None] | None = None
    phases: dict[str, float] = {}
    keep = keep_dir
    try:
        if bootstrap is None:
            stack.broker = start_broker(run_dir / "tansu.log")
            stack.bootstrap = stack.broker.bootstrap
        try:
            await create_vigil_topics(stack.bootstrap, topics)
        except Exception as exc:
            raise ReplayFailed(f"cannot reach Kafka at {stack.bootstrap}: {exc!r}") from None
        env = service_env(topics, rules_file)
        for name in SERVICES:
            stack.start_service(name, env)
        collector = asyncio.create_task(
            collect_alerts(stack.bootstrap, topics.alerts, run.alerts, stop)
        )
        phases["start"] = time.monotonic() - started
        producer = make_producer(stack.bootstrap)
        await producer.start()
        try:
            with Progress(len(reports), label=f"{label} publish") as bar:
                for i in range(0, len(reports), BATCH):
                    batch = reports[i : i + BATCH]
                    await publish_reports(producer, topics.reports, batch)
                    bar.advance(len(batch))
        finally:
            await producer.stop()
        phases["publish"] = time.monotonic() - started - phases["start"]
        with Progress(len(reports), label=f"{label} aggregate") as bar:
            consumed, dead, transitions, ignored = await run.aggregated(len(reports), bar)
        await run.delivered(transitions)
        phases["process"] = time.monotonic() - started - phases["start"] - phases["publish"]
        return ReplayResult(
            published=len(reports),
            alerts=list(run.alerts),
            consumed=consumed,
            deadletters=dead,
            seconds=time.monotonic() - started,
            ignored=ignored,
            phases=phases,
            run_dir=run_dir if keep_dir else None,
        )
    except ReplayFailed:
        keep = True  # the error message points at the logs
        raise
    finally:
        stop.set()
        if collector is not None:
            with contextlib.suppress(Exception, asyncio.CancelledError):
                await asyncio.wait_for(collector, 5)
        stack.stop()
        if not keep:
            shutil.rmtree(run_dir, ignore_errors=True)
