"""Measurements for the benchmark (``scripts/bench.py``): publishing, reading, latency.

Each function measures one thing against a running broker and returns plain numbers;
``bench.py`` decides what to start and stop.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Coroutine, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from prometheus_client.parser import text_string_to_metric_families

from schemas.alerts import Alert, Transition
from scripts.bench_data import LATENCY_RULE, Record
from services.common.progress import Progress
from tools.stack import Stack

ROOT = Path(__file__).resolve().parents[1]


def counter_total(url: str, family_name: str) -> int:
    """The sum of one counter family's samples on a worker's /metrics (0 when absent)."""
    with urllib.request.urlopen(url, timeout=2) as response:
        text = response.read().decode("utf-8")
    total = 0.0
    for family in text_string_to_metric_families(text):
        if family.name == family_name:
            total += sum(s.value for s in family.samples if s.name.endswith("_total"))
    return int(total)


def consumed(url: str, service: str) -> int:
    """Records a Vigil worker has finished with: ``vigil_reports_consumed_total`` summed
    over outcomes (ok, invalid). The aggregator counts every classified record once:
    applied, summary, duplicate, superseded and too-late ones as ``ok``, undecodable ones as
    ``invalid``; its own ticks are not counted."""
    with urllib.request.urlopen(url, timeout=2) as response:
        text = response.read().decode("utf-8")
    total = 0.0
    for family in text_string_to_metric_families(text):
        if family.name != "vigil_reports_consumed":
            continue
        for sample in family.samples:
            if sample.name.endswith("_total"):  # one service per /metrics: no service label
                total += sample.value
    return int(total)


def peak_rss_mb(pid: int) -> float | None:
    """VmHWM (peak resident set) of a live process, in MiB."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def cpu_seconds(pid: int) -> float | None:
    """User + system CPU time a live process has used so far (from /proc/PID/stat).
    Unlike a rate, it does not depend on what else the machine is running."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def publish(producer: AIOKafkaProducer, topic: str, records: Sequence[Record]) -> float:
    """Send all records as fast as the producer batches them; wait for every ack.
    Returns the seconds it took."""
    started = time.perf_counter()
    pending = []
    for record in records:
        pending.append(await producer.send(topic, record.value, key=record.key))
        if len(pending) >= 5000:  # bounded memory for futures; the batches keep flowing
            await asyncio.gather(*pending)
            pending.clear()
    await asyncio.gather(*pending)
    return time.perf_counter() - started


async def wait_consumed(
    url: str, service: str, target: int, deadline: float, label: str, base: int = 0
) -> tuple[int, float]:
    """Poll a worker's /metrics until it consumed ``target`` records (beyond ``base``) or
    the deadline passes; returns (records done, perf_counter time it was seen), so the
    end is known to within the 0.25 s polling interval."""
    done = 0
    with Progress(total=target, label=label) as bar:
        while time.monotonic() < deadline:
            try:
                done = await asyncio.to_thread(consumed, url, service) - base
            except OSError:
                done = bar.count
            bar.update(done)
            if done >= target:
                break
            await asyncio.sleep(0.25)  # scraping /metrics costs the worker CPU too
    return done, time.perf_counter()


async def raw_consumer_rate(
    bootstrap: str, topic: str, expected: int, bound: float
) -> dict[str, float]:
    """A plain aiokafka consumer (no group) reading ``topic`` from the earliest offset with
    ``getmany`` until ``expected`` records; rate from the first fetch to the last record."""
    consumer = AIOKafkaConsumer(
        topic, bootstrap_servers=bootstrap, auto_offset_reset="earliest", enable_auto_commit=False
    )
    await consumer.start()
    count, last = 0, 0.0
    deadline = time.monotonic() + bound
    first = time.perf_counter()  # from the first fetch, so a one-batch topic is not "instant"
    try:
        while count < expected and time.monotonic() < deadline:
            batches = await consumer.getmany(timeout_ms=500, max_records=10_000)
            count += sum(len(records) for records in batches.values())
            last = time.perf_counter()
    finally:
        await consumer.stop()
    seconds = max(last - first, 1e-9)
    return {"count": count, "seconds": seconds, "rate": count / seconds}


def start_faust_reader(
    bootstrap: str, topic: str, expected: int, log: Path
) -> subprocess.Popen[bytes]:
    err = log.open("wb")
    proc = subprocess.Popen(
        [sys.executable, "-m", "scripts.bench_faust_reader", bootstrap, topic, str(expected)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=err,
        stdin=subprocess.DEVNULL,
        start_new_session=True,  # Ctrl-C reaches only us; we stop it by PID
    )
    err.close()
    return proc


async def faust_reader_rate(proc: subprocess.Popen[bytes], bound: float) -> dict[str, float]:
    """Wait for the reader's result line (it prints once it has seen every record)."""
    assert proc.stdout is not None
    stdout = proc.stdout

    def result_line() -> bytes:
        for line in stdout:  # Faust may print its banner on stdout first
            if line.startswith(b'{"count"'):
                return line
        raise RuntimeError(f"faust reader exited with {proc.wait()} before reporting")

    data = json.loads(await asyncio.wait_for(asyncio.to_thread(result_line), bound))
    seconds = max(float(data["seconds"]), 1e-9)
    return {"count": int(data["count"]), "seconds": seconds, "rate": data["count"] / seconds}


@dataclass
class LatencyResult:
    designed: int = 0
    matched: int = 0
    sent_seconds: float = 0.0
    latencies_ms: list[float] = field(default_factory=list)

    def percentile(self, q: float) -> float | None:
        if not self.latencies_ms:
            return None
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def latency_run(
    bootstrap: str,
    reports_topic: str,
    alerts_topic: str,
    records: Sequence[Record],
    rate: float,
    drain_seconds: float = 15.0,
) -> LatencyResult:
    """Publish ``records`` at ``rate`` per second (in 10 ms slices, each record's publish
    time taken just before its send) while a consumer of the alerts topic stamps each
    "fired" transition of the latency rule on arrival; latency = arrival - publish."""
    designed = {r.designed_group for r in records if r.designed_group}
    result = LatencyResult(designed=len(designed))
    published: dict[str, float] = {}
    arrived: dict[str, float] = {}
    consumer = AIOKafkaConsumer(
        alerts_topic,
        bootstrap_servers=bootstrap,
        auto_offset_reset="earliest",
        enable_auto_commit=False,
        fetch_max_wait_ms=20,
    )
    producer = AIOKafkaProducer(
        bootstrap_servers=bootstrap, acks="all", enable_idempotence=False, linger_ms=0
    )
    await consumer.start()
    await producer.start()
    done = asyncio.Event()

    async def watch() -> None:
        while not done.is_set():
            batches = await consumer.getmany(timeout_ms=50)
            now = time.perf_counter()
            for batch in batches.values():
                for message in batch:
                    alert = Alert.model_validate_json(message.value)
                    if (
                        alert.rule == LATENCY_RULE
                        and alert.transition is Transition.FIRED
                        and alert.group_key in designed  # other reports can fire it too
                    ):
                        arrived.setdefault(alert.group_key, now)
            if len(arrived) >= result.designed:
                done.set()

    watcher = asyncio.create_task(watch())
    try:
        started = time.perf_counter()
        step, index = 0.01, 0
        with Progress(total=len(records), label="latency") as bar:
            while index < len(records):
                due = min(len(records), int((time.perf_counter() - started) * rate) + 1)
                while index < due:
                    record = records[index]
                    if record.designed_group:
                        published[record.designed_group] = time.perf_counter()
                    await producer.send(reports_topic, record.value, key=record.key)
                    index += 1
                bar.update(index)
                await asyncio.sleep(step)
        await producer.flush()
        result.sent_seconds = time.perf_counter() - started
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(done.wait(), drain_seconds)
    finally:
        done.set()
        await watcher
        await producer.stop()
        await consumer.stop()
    for group, at in arrived.items():
        if group in published:
            result.latencies_ms.append((at - published[group]) * 1000)
    result.matched = len(result.latencies_ms)
    return result


def run_and_report(
    run: Callable[[], Coroutine[Any, Any, Any]],
    stacks: list[Stack],
    summary: Callable[[Any], str],
    json_path: Path | None,
) -> int:
    """A benchmark's main: run it (SIGTERM or Ctrl-C interrupt it, exit 130), stop every
    process it started by its own PID (workers, then the broker), print the summary and
    write the results as JSON when asked."""

    def terminate(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, terminate)
    try:
        result = asyncio.run(run())
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr, flush=True)
        return 130
    finally:
        for stack in reversed(stacks):
            stack.stop()
        print("stopped every process", file=sys.stderr, flush=True)
    print(summary(result))
    if json_path is not None:
        json_path.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    return 0
