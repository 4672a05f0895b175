"""Micro-benchmark of the classifier worker alone (no aggregator).

    .venv/bin/python scripts/bench_classifier.py [--reports 20000] [--runs 3] [--json PATH]

Each run: a fresh embedded broker and one ``python -m services.classifier`` worker on
127.0.0.1; one warm-up report (the worker has joined its group), then ``--reports``
generated reports (scripts/bench_data.py) are published as fast as a batching producer
goes; the clock runs from the first send until the worker's ``/metrics`` shows every
record consumed. Prints reports/s and the worker's CPU ms per report (utime + stime from
/proc/PID/stat, which depends much less on the machine's load than the rate does), and
the median over the runs. Every process is stopped by its PID, also on error or Ctrl-C.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from scripts.bench_data import realistic_stream, warmup_record  # noqa: E402
from scripts.bench_measure import cpu_seconds, publish, wait_consumed  # noqa: E402
from services.common.kafka import create_vigil_topics  # noqa: E402
from services.common.publisher import make_producer  # noqa: E402
from services.common.topics import Topics  # noqa: E402
from tools.broker import start_broker  # noqa: E402
from tools.stack import Stack, wait_http  # noqa: E402

SERVICE = "classifier"
PREFIX = "benchc."


def log(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


async def one_run(records: list[Any], run_dir: Path, bound: float) -> dict[str, Any]:
    broker = start_broker(run_dir / "broker.log")
    stack = Stack(run_dir, broker.bootstrap, broker)
    try:
        topics = Topics(PREFIX)
        await create_vigil_topics(broker.bootstrap, topics)
        env = {"VIGIL_TOPIC_PREFIX": PREFIX, "VIGIL_APP_ID_PREFIX": f"{PREFIX}vigil"}
        env.update({k: v for k, v in os.environ.items() if k.startswith("VIGIL_CLASSIFIER_")})
        stack.start_service(SERVICE, env)
        url, pid = stack.urls[SERVICE], stack.processes[SERVICE].pid
        deadline = time.monotonic() + 60
        if not await asyncio.to_thread(wait_http, url, deadline):
            raise RuntimeError(f"{url} does not answer; logs in {run_dir}")
        producer = make_producer(broker.bootstrap)
        await producer.start()
        try:
            warm = warmup_record("classifier")
            await (await producer.send(topics.reports, warm.value, key=warm.key))
            done, _ = await wait_consumed(url, SERVICE, 1, deadline, "warm-up")
            if done < 1:
                raise RuntimeError(f"warm-up report not consumed in 60 s; logs in {run_dir}")
            cpu0 = cpu_seconds(pid) or 0.0
            t0 = time.perf_counter()
            sender = asyncio.create_task(publish(producer, topics.reports, records))
            done, t1 = await wait_consumed(
                url, SERVICE, len(records), time.monotonic() + bound, "classifier", 1
            )
            cpu1 = cpu_seconds(pid) or 0.0
            publish_seconds = await sender
        finally:
            await producer.stop()
    except BaseException:
        log_path = run_dir / f"{SERVICE}.log"
        if log_path.exists():  # the run directory is removed on exit: show why now
            log("worker log (tail):\n" + "\n".join(log_path.read_text().splitlines()[-20:]))
        raise
    finally:
        stack.stop()
    return {
        "consumed": done,
        "complete": done >= len(records),
        "seconds": t1 - t0,
        "rate": done / (t1 - t0),
        "cpu_ms_per_report": (cpu1 - cpu0) * 1000 / max(1, done),
        "publish_rate": len(records) / publish_seconds,
        "loadavg": os.getloadavg()[0],
    }


async def run(args: argparse.Namespace) -> dict[str, Any]:
    records = realistic_stream(args.reports, days=args.days)
    runs = []
    with tempfile.TemporaryDirectory(prefix="vigil-bench-classifier-") as tmp:
        for i in range(args.runs):
            run_dir = Path(tmp) / f"run{i}"
            run_dir.mkdir()
            result = await one_run(records, run_dir, args.timeout)
            log(
                f"run {i + 1}: {result['rate']:,.0f} reports/s, "
                f"{result['cpu_ms_per_report']:.3f} CPU ms/report, "
                f"load {result['loadavg']:.2f}"
                + ("" if result["complete"] else f" INCOMPLETE ({result['consumed']:,})")
            )
            runs.append(result)
    return {
        "reports": args.reports,
        "runs": runs,
        "median_rate": statistics.median(r["rate"] for r in runs),
        "median_cpu_ms_per_report": statistics.median(r["cpu_ms_per_report"] for r in runs),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--reports", type=int, default=20_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--days", type=float, default=60.0)
    parser.add_argument("--timeout", type=float, default=300.0, help="seconds per run")
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args(argv)

    def terminate(signum: int, frame: object) -> None:
        raise KeyboardInterrupt  # unwinds through the finally blocks that stop by PID

    signal.signal(signal.SIGTERM, terminate)
    result = asyncio.run(run(args))
    print(
        f"classifier alone, {args.reports:,} reports, median of {args.runs}: "
        f"{result['median_rate']:,.0f} reports/s, "
        f"{result['median_cpu_ms_per_report']:.3f} CPU ms/report"
    )
    if args.json:
        args.json.write_text(json.dumps(result, indent=2), encoding="utf-8")
    return 0 if all(r["complete"] for r in result["runs"]) else 1


if __name__ == "__main__":
    sys.exit(main())
