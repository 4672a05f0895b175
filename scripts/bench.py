"""Vigil's benchmark: throughput and alert latency of classifier + aggregator (one worker
each) on a fresh embedded broker, with the broker's and Faust's own ceilings measured on
the same topic data in the same run.

    .venv/bin/python scripts/bench.py [--reports 100000] [--latency-seconds 10]
                                      [--rate 1000] [--json PATH]

Phases (everything on 127.0.0.1; every process is stopped by its PID, also on error or
Ctrl-C):

1. end to end: N generated reports (see scripts/bench_data.py) are published as fast as
   a batching producer goes; the clock runs from the first send until the aggregator's
   ``/metrics`` shows every record consumed (polled every 0.1 s).
2. baselines on the same reports topic: a raw aiokafka consumer (``getmany``) and a
   plain Faust agent that only counts (first record to last).
3. latency: fresh workers on another topic prefix with one extra rule that every
   designed report (1 in 10) fires at once; reports are sent at a fixed rate and each
   alert's arrival at a consumer is matched to its report's send time.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from scripts.bench_data import latency_rules, latency_stream, realistic_stream, warmup_record  # noqa: E402
from scripts.bench_measure import (  # noqa: E402
    consumed,
    counter_total,
    cpu_seconds,
    faust_reader_rate,
    latency_run,
    peak_rss_mb,
    publish,
    raw_consumer_rate,
    run_and_report,
    start_faust_reader,
    wait_consumed,
)
from services.aggregator.settings import DEFAULT_RULES, AggregatorSettings  # noqa: E402
from services.common.kafka import create_vigil_topics  # noqa: E402
from services.common.publisher import make_producer  # noqa: E402
from services.common.topics import Topics  # noqa: E402
from tools.broker import start_broker  # noqa: E402
from tools.stack import Stack, wait_http  # noqa: E402

SERVICES = ("classifier", "aggregator")
DESIGNED_EVERY = 10
STACKS: list[Stack] = []


def log(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


async def start_workers(stack: Stack, prefix: str, extra: dict[str, str] | None = None) -> None:
    await create_vigil_topics(stack.bootstrap, Topics(prefix))
    env = {"VIGIL_TOPIC_PREFIX": prefix, "VIGIL_APP_ID_PREFIX": f"{prefix}vigil", **(extra or {})}
    for name in SERVICES:
        stack.start_service(name, env)


async def warm_up(stack: Stack, prefix: str, tag: str) -> None:
    """One report through both workers: after it, both have joined and are consuming."""
    deadline = time.monotonic() + 60
    for url in stack.urls.values():
        if not await asyncio.to_thread(wait_http, url, deadline):
            raise RuntimeError(f"{url} does not answer; logs in {stack.run_dir}")
    producer = make_producer(stack.bootstrap)
    await producer.start()
    try:
        record = warmup_record(tag)
        await (await producer.send(Topics(prefix).reports, record.value, key=record.key))
    finally:
        await producer.stop()
    done, _ = await wait_consumed(stack.urls["aggregator"], "aggregator", 1, deadline, "warm-up")
    if done < 1:
        raise RuntimeError(f"warm-up report not consumed in 60 s; logs in {stack.run_dir}")


def stop_workers(stack: Stack) -> None:
    """Stop a stack's worker processes by PID but keep its broker running."""
    broker, stack.broker = stack.broker, None
    try:
        stack.stop()
    finally:
        stack.broker = broker
    stack.processes.clear()


def cpu(stack: Stack) -> dict[str, float]:
    """CPU seconds so far of each worker, the broker and this process (the publisher and
    the metrics polling): on a 2-core machine they all share the same cores."""
    pids = {name: proc.pid for name, proc in stack.processes.items()}
    if stack.broker is not None:
        pids["broker"] = stack.broker.process.pid
    out = {name: cpu_seconds(pid) or 0.0 for name, pid in pids.items()}
    out["bench (publisher)"] = time.process_time()
    return out


def rss(stack: Stack) -> dict[str, float | None]:
    return {name: peak_rss_mb(proc.pid) for name, proc in stack.processes.items()}


async def end_to_end(stack: Stack, n: int, days: float, bound: float) -> dict[str, Any]:
    prefix = "bench."
    await start_workers(stack, prefix)  # they join while the reports are generated
    started = time.perf_counter()
    records = realistic_stream(n, days=days)
    log(f"generated and encoded {len(records):,} reports in {time.perf_counter() - started:.1f} s")
    await warm_up(stack, prefix, "e2e")
    producer = make_producer(stack.bootstrap)
    await producer.start()
    try:
        cpu0 = cpu(stack)
        t0 = time.perf_counter()
        sender = asyncio.create_task(publish(producer, Topics(prefix).reports, records))
        done, t1 = await wait_consumed(
            stack.urls["aggregator"], "aggregator", n, time.monotonic() + bound, "end to end", 1
        )
        cpu1 = cpu(stack)
        handled = {name: consumed(url, name) - 1 for name, url in stack.urls.items()}  # - warm-up
        regrouped = counter_total(stack.urls["aggregator"], "vigil_incidents_regrouped")
        handled["broker"] = handled["bench (publisher)"] = n
        publish_seconds = await sender
    finally:
        await producer.stop()
    seconds = t1 - t0
    # each process's CPU over the records it handled (the classifier runs ahead when the
    # aggregator is the bottleneck)
    cpu_ms = {k: (cpu1[k] - v) * 1000 / max(1, handled[k]) for k, v in cpu0.items()}
    return {
        "reports": n,
        "consumed": done,
        "complete": done >= n,
        "seconds": seconds,
        "rate": done / seconds,
        "publish_rate": n / publish_seconds,
        "cpu_ms_per_report": cpu_ms,
        "peak_rss_mb": rss(stack),
        "topic": Topics(prefix).reports,
        "linking": AggregatorSettings().link_policy.value,
        "regrouped": regrouped,
    }


async def baselines(stack: Stack, topic: str, count: int) -> dict[str, Any]:
    raw = await raw_consumer_rate(stack.bootstrap, topic, count, bound=60)
    log(f"raw aiokafka consumer: {raw['count']:,} records at {raw['rate']:,.0f}/s")
    proc = start_faust_reader(stack.bootstrap, topic, count, stack.run_dir / "faust-reader.log")
    stack.processes["faust-reader"] = proc
    agent = await faust_reader_rate(proc, bound=90)
    log(f"plain faust agent: {agent['count']:,} records at {agent['rate']:,.0f}/s")
    return {"raw_consumer": raw, "faust_agent": agent, "faust_peak_rss_mb": peak_rss_mb(proc.pid)}


async def latency(stack: Stack, seconds: float, rate: float) -> dict[str, Any]:
    prefix = "lat."
    rules = stack.run_dir / "latency-rules.yaml"
    rules.write_text(latency_rules(DEFAULT_RULES), encoding="utf-8")
    await start_workers(stack, prefix, {"VIGIL_AGGREGATOR_RULES_FILE": str(rules)})
    records = latency_stream(int(seconds * rate), DESIGNED_EVERY)
    await warm_up(stack, prefix, "latency")
    topics = Topics(prefix)
    result = await latency_run(stack.bootstrap, topics.reports, topics.alerts, records, rate)
    return {
        "rate": rate,
        "sent": len(records),
        "send_rate": len(records) / result.sent_seconds,
        "designed": result.designed,
        "matched": result.matched,
        "p50_ms": result.percentile(0.50),
        "p99_ms": result.percentile(0.99),
        "max_ms": max(result.latencies_ms, default=None),
        "peak_rss_mb": rss(stack),
    }


async def run(args: argparse.Namespace) -> dict[str, Any]:
    run_dir = Path(tempfile.mkdtemp(prefix="vigil-bench-"))
    log(f"logs in {run_dir}")
    main = Stack(run_dir, "")
    STACKS.append(main)
    main.broker = start_broker(run_dir / "tansu.log")
    main.bootstrap = main.broker.bootstrap
    log(f"embedded Tansu on {main.bootstrap} (pid {main.broker.process.pid})")
    e2e = await end_to_end(main, args.reports, args.days, args.timeout)
    stop_workers(main)
    base = await baselines(main, e2e["topic"], args.reports + 1)  # + the warm-up record
    stop_workers(main)
    (run_dir / "latency").mkdir()
    lat_stack = Stack(run_dir / "latency", main.bootstrap)
    STACKS.append(lat_stack)
    lat = await latency(lat_stack, args.latency_seconds, args.rate)
    lat_stack.stop()
    return {"end_to_end": e2e, **base, "latency": lat, "broker_peak_rss_mb": peak_rss_mb(
        main.broker.process.pid
    ), "run_dir": str(run_dir)}  # fmt: skip


def _num(value: float | None, unit: str = "") -> str:
    return (
        "n/a" if value is None else f"{value:,.0f}{unit}" if value >= 100 else f"{value:.1f}{unit}"
    )


def summary(result: dict[str, Any]) -> str:
    e2e, lat = result["end_to_end"], result["latency"]
    raw, agent = result["raw_consumer"], result["faust_agent"]
    mark = "" if e2e["complete"] else f"  (INCOMPLETE: {e2e['consumed']:,} of {e2e['reports']:,})"
    rows = [
        ("end to end (classifier + aggregator)", f"{_num(e2e['rate'])} reports/s{mark}",
         f"{e2e['consumed']:,} reports in {e2e['seconds']:.1f} s; target >= 5,000/s"),
        ("  publishing (producer alone)", f"{_num(e2e['publish_rate'])} reports/s", ""),
        ("  linking (aggregator)", f"policy {e2e['linking']}",
         f"{e2e['regrouped']:,} incidents regrouped (cross-feed duplicates linked)"),
        ("raw aiokafka consumer (getmany)", f"{_num(raw['rate'])} msgs/s",
         f"{raw['count']:,} records"),
        ("plain faust agent (counting)", f"{_num(agent['rate'])} msgs/s",
         f"{agent['count']:,} records"),
        (f"latency at {_num(lat['rate'])}/s: p50", _num(lat["p50_ms"], " ms"),
         f"{lat['matched']:,} of {lat['designed']:,} designed alerts matched"),
        ("latency p99", _num(lat["p99_ms"], " ms"),
         f"max {_num(lat['max_ms'], ' ms')}; target < 100 ms"),
        ("  sent at", f"{_num(lat['send_rate'])} reports/s", f"{lat['sent']:,} reports"),
    ]  # fmt: skip
    for name, ms in e2e["cpu_ms_per_report"].items():
        rows.append((f"CPU per report, {name}", f"{ms:.3f} ms", "user + system, end-to-end phase"))
    for phase, key in (("end-to-end", "end_to_end"), ("latency", "latency")):
        for name, mb in result[key]["peak_rss_mb"].items():
            rows.append((f"peak RSS {name} ({phase})", _num(mb, " MiB"), ""))
    rows.append(("peak RSS faust agent", _num(result["faust_peak_rss_mb"], " MiB"), ""))
    rows.append(("peak RSS broker (whole run)", _num(result["broker_peak_rss_mb"], " MiB"), ""))
    width = max(len(r[0]) for r in rows)
    return "\n".join(f"{a:<{width}}  {b:>22}  {c}".rstrip() for a, b, c in rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reports", type=int, default=100_000)
    parser.add_argument("--days", type=float, default=60.0, help="event-time span of the reports")
    parser.add_argument("--latency-seconds", type=float, default=10.0)
    parser.add_argument("--rate", type=float, default=1000.0, help="reports/s in the latency phase")
    parser.add_argument("--timeout", type=float, default=120.0, help="end-to-end phase bound (s)")
    parser.add_argument("--json", type=Path, help="also write the results as JSON here")
    args = parser.parse_args(argv)

    return run_and_report(lambda: run(args), STACKS, summary, args.json)


if __name__ == "__main__":
    sys.exit(main())
