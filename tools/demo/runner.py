"""Start everything on loopback, feed the sample, print alerts and what the channels
receive; stop it all on Ctrl-C.

Each service runs as ``python -m services.<name>`` with its settings in the environment,
exactly as in production, pointed at the embedded broker (or at ``--bootstrap``). The
notifier's generic webhook points at a receiver inside this process, which prints every
message it gets (any ``VIGIL_NOTIFIER_*`` channel set in the environment is used too).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import secrets
import signal
import tempfile
import time
from pathlib import Path

from aiokafka import AIOKafkaConsumer

from schemas.alerts import Alert
from schemas.deadletters import DeadLetter
from schemas.reports import IncidentReport
from services.common.kafka import create_vigil_topics
from services.common.publisher import make_producer, publish_reports
from services.common.topics import Topics
from tools.broker import start_broker
from tools.demo.format import alert_line, dead_letter_line
from tools.demo.receiver import Receiver
from tools.stack import Stack, wait_http

SAMPLE_FEED = Path(__file__).parent / "sample_feed.jsonl"
SERVICES = ("classifier", "aggregator", "ingest", "extractor", "notifier")
EXAMPLE_REPORT = Path(__file__).parent / "example_report.json"
SEED_INCIDENT = Path(__file__).parent / "seed_incident.json"


def load_feed(path: Path) -> list[IncidentReport]:
    lines = path.read_text(encoding="utf-8").splitlines()
    return [IncidentReport.model_validate_json(line) for line in lines if line.strip()]


async def watch(bootstrap: str, topics: Topics, started: float, stop: asyncio.Event) -> None:
    consumer = AIOKafkaConsumer(
        topics.alerts,
        topics.deadletters,
        bootstrap_servers=bootstrap,
        auto_offset_reset="earliest",
        enable_auto_commit=False,
    )
    await consumer.start()
    try:
        while not stop.is_set():
            batches = await consumer.getmany(timeout_ms=500)
            for records in batches.values():
                for record in records:
                    stamp = f"[{time.monotonic() - started:6.1f}s]"
                    if record.topic == topics.alerts:
                        line = alert_line(Alert.model_validate_json(record.value))
                    else:
                        line = dead_letter_line(DeadLetter.model_validate_json(record.value))
                    print(stamp, line, flush=True)
    finally:
        await consumer.stop()


async def run(bootstrap: str | None, feed: Path | None, prefix: str, keep_dir: bool) -> int:
    started = time.monotonic()
    run_dir = Path(tempfile.mkdtemp(prefix="vigil-run-"))
    stack = Stack(run_dir, bootstrap or "")
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    receiver = Receiver(started)
    receiving = await receiver.start()
    try:
        if bootstrap is None:
            stack.broker = start_broker(run_dir / "tansu.log")
            stack.bootstrap = stack.broker.bootstrap
            print(f"embedded Tansu broker on {stack.bootstrap} (memory only)", flush=True)
        topics = Topics(prefix)
        await create_vigil_topics(stack.bootstrap, topics)
        token = os.environ.get("VIGIL_INGEST_TOKENS") or secrets.token_urlsafe(18)
        hooks = [h for h in os.environ.get("VIGIL_NOTIFIER_WEBHOOK_URLS", "").split(",") if h]
        env = {
            "VIGIL_TOPIC_PREFIX": prefix,
            "VIGIL_APP_ID_PREFIX": f"{prefix}vigil",
            "VIGIL_INGEST_TOKENS": token,
            "VIGIL_NOTIFIER_WEBHOOK_URLS": ",".join([f"{receiver.base}/webhook", *hooks]),
            "VIGIL_NOTIFIER_ALERT_URL_BASE": receiver.base,
        }
        for name in SERVICES:
            stack.start_service(name, env)
        if feed is not None:
            reports = load_feed(feed)
            producer = make_producer(stack.bootstrap)
            await producer.start()
            try:
                await publish_reports(producer, topics.reports, reports)
            finally:
                await producer.stop()
            print(f"published {len(reports)} sample reports from {feed.name}", flush=True)
        for name, url in stack.urls.items():
            ok = await asyncio.to_thread(wait_http, url, time.monotonic() + 30)
            print(f"{name:<11} metrics: {url}{'' if ok else '  (not answering yet)'}", flush=True)
        api = stack.urls["ingest"].removesuffix("/metrics")
        example = EXAMPLE_REPORT if feed is not None else SEED_INCIDENT
        what = "a Hama air strike: fires a second alert" if feed else "the seed story's incident"
        print(
            f"post a report ({what}):\n"
            f"  curl -sS -H 'Authorization: Bearer {token.split(',')[0]}' "
            f"-H 'Content-Type: application/json' --data @{example} {api}/v1/reports",
            flush=True,
        )
        print(
            f"the notifier delivers to a local webhook receiver ({receiver.base}/webhook) "
            "whose messages are printed below; set VIGIL_NOTIFIER_SLACK_WEBHOOK_URL, "
            "..._PAGERDUTY_ROUTING_KEY or ..._ALERTMANAGER_URL to add real channels",
            flush=True,
        )
        print(f"logs in {run_dir}; Ctrl-C stops everything", flush=True)
        watcher = asyncio.create_task(watch(stack.bootstrap, topics, started, stop))
        while not stop.is_set():
            for name, proc in stack.processes.items():
                if proc.poll() is not None:
                    print(f"{name} exited with {proc.returncode}; see {run_dir}/{name}.log")
                    stop.set()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), 0.5)
        await watcher
        return 0
    finally:
        print("stopping ...", flush=True)
        stack.stop()
        await receiving.cleanup()
        print("stopped: no process left behind", flush=True)
        if not keep_dir:
            import shutil

            shutil.rmtree(run_dir, ignore_errors=True)
