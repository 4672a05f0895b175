"""``vigil alerts``, ``vigil tail``, ``vigil status``: the state of a running Vigil in a
terminal.

Which Vigil: ``--bootstrap HOST:PORT`` (with ``--topic-prefix`` and ``--app-id-prefix``
as the services were given, default ``$VIGIL_TOPIC_PREFIX`` / ``$VIGIL_APP_ID_PREFIX``),
else the stack ``make run`` is running (its run-state file, ``tools.runstate``;
the newest if there are several), else ``$VIGIL_KAFKA_BOOTSTRAP`` if set. Links to alert
pages need the console's URL: the run-state file has it, else ``--console-url`` or
``$VIGIL_CONSOLE_URL``.

Exit codes: 0 done, 1 the broker could not be read, 2 no Vigil to look at.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import os
import signal
import sys
import time
from typing import Any

from aiokafka import TopicPartition
from aiokafka.errors import KafkaError

from schemas.alerts import Alert, AlertStatus
from services.common.kafka import start_reader
from services.console.reading import end_offsets, partitions_of, read_to_end
from services.console.replica import AlertIndex, Published
from services.notifier.domain.text import alert_url
from tools import runstate
from tools.console import terminal
from tools.console.status import Target, gather

EXIT_BROKER = 1
EXIT_NO_TARGET = 2
NO_TARGET = (
    "no running Vigil found: start one with `make run`, or name a broker with "
    "--bootstrap HOST:PORT (or set VIGIL_KAFKA_BOOTSTRAP)"
)


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--bootstrap", help="Kafka host:port (default: the running `make run` stack)"
    )
    parser.add_argument("--topic-prefix", help="topic name prefix (default $VIGIL_TOPIC_PREFIX)")
    parser.add_argument(
        "--app-id-prefix", help="services' app id prefix (default $VIGIL_APP_ID_PREFIX or vigil)"
    )
    parser.add_argument(
        "--console-url", help="the console's URL, for alert page links ($VIGIL_CONSOLE_URL)"
    )


def register(subparsers: Any) -> None:
    alerts = subparsers.add_parser(
        "alerts",
        help="what is firing now, as a table",
        description="Read the alerts topic to its end and print every alert firing now "
        "(its latest transition), most severe first, with its page's URL.",
    )
    _common(alerts)
    alerts.add_argument("--all", action="store_true", help="resolved alerts too")
    alerts.add_argument("--country", help="only this country (ISO3, e.g. SYR)")
    alerts.add_argument("--json", action="store_true", help="one Alert JSON object per line")
    alerts.set_defaults(func=run_alerts)
    tail = subparsers.add_parser(
        "tail",
        help="alert transitions as they happen, one line each",
        description="Follow the alerts topic and print each new transition on one line "
        "until Ctrl-C.",
    )
    _common(tail)
    tail.add_argument(
        "--last", type=int, default=0, metavar="N", help="first print up to N earlier ones"
    )
    tail.add_argument("--count", type=int, metavar="N", help="exit after printing N transitions")
    tail.add_argument(
        "--timeout", type=float, metavar="SECONDS", help="exit after this long (default: never)"
    )
    tail.set_defaults(func=run_tail)
    status = subparsers.add_parser(
        "status",
        help="services, consumer lag, event-time clocks, dead letters",
        description="Each service's readiness (for a `make run` stack), the lag of each "
        "service's consumer group, every country's event-time clock, dead letters and "
        "alerts firing.",
    )
    _common(status)
    status.set_defaults(func=run_status)


def target_of(args: argparse.Namespace) -> Target | None:
    env = os.environ
    if args.bootstrap:
        return Target(
            args.bootstrap,
            args.topic_prefix
            if args.topic_prefix is not None
            else env.get("VIGIL_TOPIC_PREFIX", ""),
            args.app_id_prefix or env.get("VIGIL_APP_ID_PREFIX") or "vigil",
            args.console_url or env.get("VIGIL_CONSOLE_URL"),
            where=f"Vigil on {args.bootstrap}",
        )
    stacks = runstate.running()
    if stacks:
        stack = stacks[0]
        others = len(stacks) - 1
        more = f" ({others} other stack(s) running: --bootstrap picks one)" if others else ""
        return Target(
            stack.bootstrap,
            stack.topic_prefix if args.topic_prefix is None else args.topic_prefix,
            args.app_id_prefix or stack.app_id_prefix,
            args.console_url or stack.console_url,
            stack.services,
            where=f"Vigil of `make run` (pid {stack.pid}) on {stack.bootstrap}, console "
            f"{stack.console_url}/{more}",
        )
    if env.get("VIGIL_KAFKA_BOOTSTRAP"):
        args.bootstrap = env["VIGIL_KAFKA_BOOTSTRAP"]
        return target_of(args)
    return None


def _url_of(target: Target) -> terminal.UrlOf:
    def url(alert: Alert) -> str | None:
        return alert_url(target.console_url, alert) if target.console_url else None

    return url


def _quiet() -> None:
    # aiokafka logs every connection problem with a traceback; our message is one line
    logging.getLogger("aiokafka").setLevel(logging.CRITICAL)


def _run(args: argparse.Namespace, body: Any) -> int:
    _quiet()
    target = target_of(args)
    if target is None:
        print(f"vigil {args.command}: {NO_TARGET}", file=sys.stderr)
        return EXIT_NO_TARGET
    try:
        code: int = asyncio.run(body(target, args))
    except (KafkaError, OSError, TimeoutError) as exc:
        print(
            f"vigil {args.command}: cannot read Kafka at {target.bootstrap}: {exc}",
            file=sys.stderr,
        )
        return EXIT_BROKER
    return code


def run_alerts(args: argparse.Namespace) -> int:
    return _run(args, _alerts)


async def _alerts(target: Target, args: argparse.Namespace) -> int:
    index = AlertIndex(history_limit=1)
    for record in await read_to_end(target.bootstrap, [target.topics.alerts]):
        index.apply(record.value, record.timestamp / 1000)
    country = (args.country or "").upper()
    chosen = [
        p
        for p in index.latest()
        if (args.all or p.alert.status is AlertStatus.FIRING)
        and (not country or p.alert.group.get("country") == country)
    ]
    if args.json:
        for item in terminal.order(chosen):
            print(item.alert.model_dump_json())
        return 0
    print(target.where, file=sys.stderr)
    if chosen:
        print(terminal.alerts_table(chosen, _url_of(target)))
    print(terminal.firing_summary(chosen) + f" ({len(index.alerts)} alert(s) known)")
    return 0


def run_tail(args: argparse.Namespace) -> int:
    return _run(args, _tail)


async def _tail(target: Target, args: argparse.Namespace) -> int:
    url_of = _url_of(target)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    print(f"{target.where}; following {target.topics.alerts} (Ctrl-C stops)", file=sys.stderr)
    consumer = await start_reader(target.bootstrap)
    printed = 0
    deadline = None if args.timeout is None else time.monotonic() + args.timeout
    assigned: set[TopicPartition] = set()
    seen = AlertIndex(history_limit=1)
    """A transition already printed (the aggregator re-sends after a crash) is skipped."""
    looked = -5.0
    try:
        while not stop.is_set():
            if deadline is not None and time.monotonic() > deadline:
                break
            if not assigned or time.monotonic() - looked > 5.0:
                looked = time.monotonic()
                new = set(await partitions_of(target.bootstrap, [target.topics.alerts]))
                new -= assigned
                if new:
                    # where each new partition starts: its end (or --last N before it)
                    ends = await end_offsets(consumer, sorted(new))
                    assigned |= new
                    consumer.assign(sorted(assigned))
                    for tp in new:
                        consumer.seek(tp, max(0, ends[tp] - max(0, args.last)))
            if not assigned:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), 1.0)
                continue
            batches = await consumer.getmany(timeout_ms=500)
            found = []
            for records in batches.values():
                for record in records:
                    alert = seen.apply(record.value, record.timestamp / 1000)
                    if alert is not None:
                        found.append(Published(alert, record.timestamp / 1000))
            for item in sorted(found, key=lambda p: p.published or 0):
                print(terminal.tail_line(item, url_of), flush=True)
                printed += 1
                if args.count is not None and printed >= args.count:
                    return 0
    finally:
        await consumer.stop()
    return 0


def run_status(args: argparse.Namespace) -> int:
    return _run(args, _status)


async def _status(target: Target, args: argparse.Namespace) -> int:
    status = await gather(target)
    print(terminal.status_text(status, time.time()))
    return 0
