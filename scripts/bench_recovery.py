"""Recovery benchmark: what a replacement aggregator costs at two (or more) state sizes.

    .venv/bin/python scripts/bench_recovery.py [--sizes 50000,150000] [--days 30]
                                               [--kill] [--json PATH]

Per size, on a fresh embedded broker (everything on 127.0.0.1; every process stopped by
its PID, also on error or Ctrl-C):

1. a classifier and an aggregator take N generated reports (``scripts/bench_data.py``,
   ``days`` of event time, so nothing is pruned): the aggregator's tables then hold
   about 0.77 N incidents, N report ids and the alert states;
2. the aggregator is stopped (SIGTERM; ``--kill``: SIGKILL) and a replacement started;
   at once one *probe* report is published that fires the benchmark's latency rule on
   its own (a fresh admin2 group);
3. measured: **recovery** = seconds from starting the replacement until the probe's
   alert is on the alerts topic (start-up, group join, changelog recovery, rebuild of
   the engines, the probe itself); **memory** = the replacement's resident set once it
   alerted, and per incident over the resident set of an aggregator with empty state;
   **stall** = the longest a ``GET /healthz`` or ``GET /metrics`` (polled every 50 ms
   from its first answer) waited for an answer; **re-sent** = alert records the
   replacement wrote whose (fingerprint, seq) the broker had already acknowledged
   before the restart.

Numbers measured while other programs share the cores are indicative only.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import signal
import sys
import tempfile
import threading
import time
import urllib.request
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

from aiokafka import AIOKafkaConsumer

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from schemas.alerts import Alert  # noqa: E402
from schemas.reports import (  # noqa: E402
    Casualties,
    EventType,
    Figure,
    IncidentReport,
    Location,
    Precision,
    Source,
    SourceKind,
)
from scripts.bench_data import (  # noqa: E402
    LATENCY_RULE,
    LATENCY_THRESHOLD,
    START,
    latency_rules,
    realistic_stream,
    warmup_record,
)
from scripts.bench_measure import publish, run_and_report, wait_consumed  # noqa: E402
from services.aggregator.settings import DEFAULT_RULES  # noqa: E402
from services.common.kafka import create_vigil_topics  # noqa: E402
from services.common.publisher import encode_report, make_producer, report_key  # noqa: E402
from services.common.topics import Topics  # noqa: E402
from tools.broker import start_broker  # noqa: E402
from tools.stack import Stack, wait_http  # noqa: E402

STACKS: list[Stack] = []
POLL_SECONDS = 0.05


def log(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def rss_mb(pid: int, field_name: str = "VmRSS") -> float | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(f"{field_name}:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


@dataclass
class Poller:
    """Polls ``/healthz`` and ``/metrics`` of a worker every 50 ms in a thread, from its
    first answer on, and keeps the longest wait for an answer."""

    base: str
    stop: threading.Event = field(default_factory=threading.Event)
    longest: float = 0.0
    longest_path: str = ""
    answered: int = 0
    first: float | None = None

    def run(self) -> None:
        paths = ("/healthz", "/metrics")
        index = 0
        while not self.stop.is_set():
            path = paths[index % 2]
            index += 1
            started = time.monotonic()
            try:
                with urllib.request.urlopen(self.base + path, timeout=120) as response:
                    response.read()
            except OSError:
                if self.first is None:  # not serving yet
                    time.sleep(POLL_SECONDS)
                    continue
                raise
            waited = time.monotonic() - started
            if self.first is None:
                self.first = started
            self.answered += 1
            if waited > self.longest:
                self.longest, self.longest_path = waited, path
            time.sleep(POLL_SECONDS)


def probe_record(tag: str, days: float) -> tuple[bytes, bytes, str]:
    """A report newer than the whole stream that fires the latency rule by itself."""
    when = START + timedelta(days=days, hours=1)
    group = f"Probe-{tag}"
    report = IncidentReport(
        report_id=f"probe-{tag}",
        incident_id=f"probe-{tag}",
        source=Source(name="White Helmets", kind=SourceKind.NGO),
        reported_at=when + timedelta(minutes=30),
        occurred_at=when,
        occurred_precision=Precision.EXACT,
        location=Location(country="SYR", admin1="Idlib", admin2=group),
        event_type=EventType.AIR_STRIKE,
        casualties=Casualties(children_killed=Figure.at_least(LATENCY_THRESHOLD)),
    )
    return report_key(report), encode_report(report), f"SYR/Idlib/{group}"


async def read_alerts(bootstrap: str, topic: str, quiet: float = 2.0) -> list[tuple[int, Alert]]:
    """Every alert record on ``topic`` (partition, alert) until none came for ``quiet`` s."""
    consumer = AIOKafkaConsumer(
        topic, bootstrap_servers=bootstrap, group_id=None, auto_offset_reset="earliest"
    )
    await consumer.start()
    out: list[tuple[int, Alert]] = []
    last = time.monotonic()
    try:
        while time.monotonic() - last < quiet:
            batches = await consumer.getmany(timeout_ms=200, max_records=10_000)
            for records in batches.values():
                out += [(r.offset, Alert.model_validate_json(r.value)) for r in records]
                if records:
                    last = time.monotonic()
    finally:
        await consumer.stop()
    return out


async def wait_probe_alert(bootstrap: str, topic: str, group: str, deadline: float) -> float:
    """perf_counter time the probe's alert was seen on the alerts topic (inf: never)."""
    consumer = AIOKafkaConsumer(
        topic,
        bootstrap_servers=bootstrap,
        group_id=None,
        auto_offset_reset="earliest",
        fetch_max_wait_ms=20,
    )
    await consumer.start()
    try:
        while time.monotonic() < deadline:
            batches = await consumer.getmany(timeout_ms=50, max_records=10_000)
            now = time.perf_counter()
            for records in batches.values():
                for r in records:
                    alert = Alert.model_validate_json(r.value)
                    if alert.rule == LATENCY_RULE and alert.group_key == group:
                        return now
    finally:
        await consumer.stop()
    return float("inf")


def rebuilt_incidents(log_path: Path) -> int:
    """Incidents the replacement rebuilt (its ``rebuilt ... incidents`` log lines)."""
    text = log_path.read_text(encoding="utf-8", errors="replace")
    return sum(int(m) for m in re.findall(r"rebuilt \d+ countries, (\d+) incidents", text))


async def one_size(run_dir: Path, n: int, days: float, kill: bool) -> dict[str, Any]:
    stack = Stack(run_dir, "")
    STACKS.append(stack)
    stack.broker = start_broker(run_dir / "tansu.log")
    stack.bootstrap = stack.broker.bootstrap
    prefix = f"rec{n}."
    topics = Topics(prefix)
    await create_vigil_topics(stack.bootstrap, topics)
    rules = run_dir / "rules.yaml"
    rules.write_text(latency_rules(DEFAULT_RULES), encoding="utf-8")
    env = {
        "VIGIL_TOPIC_PREFIX": prefix,
        "VIGIL_APP_ID_PREFIX": f"{prefix}vigil",
        "VIGIL_AGGREGATOR_RULES_FILE": str(rules),
        "VIGIL_AGGREGATOR_TICK_INTERVAL_SECONDS": "0",
    }
    stack.start_service("classifier", env)
    stack.start_service("aggregator", env)
    records = realistic_stream(n, days=days)
    deadline = time.monotonic() + 60
    for url in stack.urls.values():
        if not await asyncio.to_thread(wait_http, url, deadline):
            raise RuntimeError(f"{url} does not answer; logs in {run_dir}")
    producer = make_producer(stack.bootstrap)
    await producer.start()
    try:
        warm = warmup_record(f"rec{n}")
        await (await producer.send(topics.reports, warm.value, key=warm.key))
        await wait_consumed(
            stack.urls["aggregator"], "aggregator", 1, time.monotonic() + 60, "warm-up"
        )
        empty_rss = rss_mb(stack.processes["aggregator"].pid)
        await publish(producer, topics.reports, records)
        done, _ = await wait_consumed(
            stack.urls["aggregator"], "aggregator", n, time.monotonic() + 1800, f"fill {n:,}", 1
        )
        if done < n:
            raise RuntimeError(f"only {done} of {n} consumed; logs in {run_dir}")
        fill_rss = rss_mb(stack.processes["aggregator"].pid)
        await asyncio.sleep(2.0)  # the last batch's alerts acknowledged (and settled)
        first = stack.processes.pop("aggregator")
        first.send_signal(signal.SIGKILL if kill else signal.SIGTERM)
        await asyncio.to_thread(first.wait, 60)
        before = await read_alerts(stack.bootstrap, topics.alerts, quiet=1.0)
        acknowledged = {a.dedup_key() for _, a in before}
        log(f"{n:,} reports: {len(before):,} alerts before the restart")

        (run_dir / "first-aggregator.log").write_bytes((run_dir / "aggregator.log").read_bytes())
        key, value, group = probe_record(str(n), days)
        t0 = time.perf_counter()
        stack.start_service("aggregator", env)
        proc = stack.processes["aggregator"]
        await (await producer.send(topics.reports, value, key=key))
        poller = Poller(stack.urls["aggregator"].rsplit("/", 1)[0])
        thread = threading.Thread(target=poller.run, daemon=True)
        thread.start()
        seen = await wait_probe_alert(stack.bootstrap, topics.alerts, group, time.monotonic() + 600)
        recovery = seen - t0
        await asyncio.sleep(1.0)
        poller.stop.set()
        await asyncio.to_thread(thread.join, 130)
        rss_now = rss_mb(proc.pid)
        peak = rss_mb(proc.pid, "VmHWM")
        after = await read_alerts(stack.bootstrap, topics.alerts, quiet=2.0)
    finally:
        await producer.stop()
    # one partition, read in offset order: what follows the records read before the restart
    # was written by the replacement (Tansu's reported end offsets are not reliable)
    resent = [a for _, a in after[len(before) :] if a.dedup_key() in acknowledged]
    incidents = rebuilt_incidents(run_dir / "aggregator.log")
    per_incident = (
        None
        if rss_now is None or empty_rss is None or not incidents
        else (rss_now - empty_rss) * 1024 * 1024 / incidents
    )
    stack.stop()
    STACKS.remove(stack)
    return {
        "reports": n,
        "incidents": incidents,
        "recovery_seconds": recovery,
        "rss_mb": rss_now,
        "peak_rss_mb": peak,
        "empty_rss_mb": empty_rss,
        "fill_rss_mb": fill_rss,
        "bytes_per_incident": per_incident,
        "max_stall_seconds": poller.longest,
        "max_stall_path": poller.longest_path,
        "polls_answered": poller.answered,
        "alerts_before": len(before),
        "resent": len(resent),
        "stopped_with": "SIGKILL" if kill else "SIGTERM",
        "run_dir": str(run_dir),
    }


def summary(results: list[dict[str, Any]]) -> str:
    head = (
        f"{'reports':>8} {'incidents':>9} {'recovery':>9} {'RSS':>8} {'peak':>8} "
        f"{'per incident':>12} {'max stall':>9} {'re-sent':>7}"
    )
    rows = [head]
    for r in results:
        per = r["bytes_per_incident"]
        rows.append(
            f"{r['reports']:>8,} {r['incidents']:>9,} {r['recovery_seconds']:>8.1f}s "
            f"{r['rss_mb'] or 0:>5.0f}MiB {r['peak_rss_mb'] or 0:>5.0f}MiB "
            f"{'n/a' if per is None else f'{per / 1024:.1f} KiB':>12} "
            f"{r['max_stall_seconds']:>8.2f}s {r['resent']:>7}"
        )
    rows.append(
        "recovery: replacement started -> the probe's alert on the topic; per incident: "
        "(RSS - RSS of an empty aggregator) / incidents; stall: longest wait of "
        "/healthz or /metrics; re-sent: acknowledged alerts sent again. Targets at "
        "150k reports: recovery < 10 s, RSS < 400 MiB, stall < 1 s, re-sent 0."
    )
    return "\n".join(rows)


async def run(args: argparse.Namespace) -> list[dict[str, Any]]:
    run_dir = Path(tempfile.mkdtemp(prefix="vigil-bench-recovery-"))
    log(f"logs in {run_dir}")
    out = []
    for n in args.sizes:
        (run_dir / str(n)).mkdir()
        result = await one_size(run_dir / str(n), n, args.days, args.kill)
        log(json.dumps(result))
        out.append(result)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--sizes",
        type=lambda s: [int(x) for x in s.split(",")],
        default=[50_000, 150_000],
        help="state sizes in reports, comma-separated",
    )
    parser.add_argument("--days", type=float, default=30.0, help="event-time span of the reports")
    parser.add_argument("--kill", action="store_true", help="SIGKILL the first aggregator")
    parser.add_argument("--json", type=Path, help="also write the results as JSON here")
    args = parser.parse_args(argv)

    return run_and_report(lambda: run(args), STACKS, summary, args.json)


if __name__ == "__main__":
    sys.exit(main())
