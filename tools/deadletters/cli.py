"""``vigil deadletters list|redrive|export``: look at rejected records and send them back.

``list`` reads the dead-letter topic from the beginning (no consumer group, nothing
committed) and stops once no record has arrived for ``--idle-timeout`` seconds: Tansu's
ListOffsets "latest" is wrong (docs/infrastructure.md#latest-offset), so the end of the
topic is found by waiting, not by asking. ``--reason`` keeps one error type: ``decode``,
``validation``, and the reports the rules refused, ``future``, ``conflict``,
``too_late``. ``redrive`` re-publishes chosen dead letters' original key, value (or a
fixed value from ``--value-file``) and headers to their source topic (or ``--to-topic``)
with a ``vigil-redriven-from: <offset>`` header, and waits for the broker's ack: a
report from the future once its time has come, a conflict under a new report_id.
``export`` writes the reports of the chosen dead letters as JSON lines, for ``vigil
replay jsonl FILE`` (where reports too late for the live clock belong).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from aiokafka.errors import KafkaError

from services.common.errors import RejectedInput
from services.common.kafka import create_topics, start_reader
from services.common.publisher import make_producer
from services.common.settings import ServiceSettings
from services.common.topics import Topics
from tools.deadletters.logic import (
    Entry,
    format_line,
    missing_offsets,
    original_report,
    parse_entry,
    plan_redrive,
    select,
    to_json,
)

CONNECT_TIMEOUT = 15.0


def _positive(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number >= 1, got {text!r}")
    return int(text)


def _offset(text: str) -> int:
    if not text.isdigit():
        raise argparse.ArgumentTypeError(f"an offset is a whole number >= 0, got {text!r}")
    return int(text)


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--bootstrap", help="Kafka host:port (default: $VIGIL_KAFKA_BOOTSTRAP)")
    parser.add_argument("--topic-prefix", help="topic name prefix (default: $VIGIL_TOPIC_PREFIX)")
    parser.add_argument(
        "--idle-timeout",
        type=float,
        default=2.0,
        help="stop reading after this many seconds without a new record (default 2)",
    )


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "deadletters",
        help="list and re-drive dead letters",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    show = actions.add_parser("list", help="print dead letters, oldest first")
    _common(show)
    show.add_argument("--limit", type=_positive, help="print at most N")
    show.add_argument("--service", help="only dead letters from this service")
    show.add_argument("--reason", help="only this error type (e.g. too_late, future, conflict)")
    show.add_argument("--json", action="store_true", help="one JSON object per line")
    show.set_defaults(func=run_list)
    export = actions.add_parser(
        "export", help="write the reports of dead letters as JSON lines (for vigil replay)"
    )
    _common(export)
    export.add_argument("file", metavar="FILE", help="where to write ('-': stdout)")
    export.add_argument("--reason", default="too_late", help="error type (default too_late)")
    export.add_argument("--service", help="only dead letters from this service")
    export.set_defaults(func=run_export)
    redrive = actions.add_parser("redrive", help="re-publish chosen dead letters")
    _common(redrive)
    redrive.add_argument(
        "--offset",
        type=_offset,
        action="append",
        required=True,
        help="dead-letter offset to re-drive (repeatable)",
    )
    redrive.add_argument(
        "--partition",
        type=int,
        default=0,
        help="dead-letter topic partition of the offsets (default 0)",
    )
    redrive.add_argument(
        "--value-file", type=Path, help="publish this file's bytes instead of the original value"
    )
    redrive.add_argument("--to-topic", help="publish here instead of the source topic")
    redrive.set_defaults(func=run_redrive)


def _where(args: argparse.Namespace) -> tuple[str, str]:
    settings = ServiceSettings()
    prefix = settings.topic_prefix if args.topic_prefix is None else args.topic_prefix
    return args.bootstrap or settings.kafka_bootstrap, Topics(prefix).deadletters


async def read_entries(
    bootstrap: str,
    topic: str,
    *,
    idle_timeout: float,
    done: Callable[[list[Entry]], bool],
    clock: Callable[[], float] = time.monotonic,
) -> list[Entry]:
    """Every record from the beginning of ``topic`` until ``done(entries)`` or until
    ``idle_timeout`` seconds pass without a record."""
    consumer = await start_reader(bootstrap, topic, wait_seconds=CONNECT_TIMEOUT)
    entries: list[Entry] = []
    try:
        last = clock()
        while not done(entries) and clock() - last < idle_timeout:
            batches = await consumer.getmany(timeout_ms=100, max_records=1000)
            for records in batches.values():
                for r in records:
                    entries.append(parse_entry(r.partition, r.offset, r.timestamp, r.value))
                last = clock()
    finally:
        await consumer.stop()
    return sorted(entries, key=lambda e: (e.partition, e.offset))


def run_list(args: argparse.Namespace) -> int:
    bootstrap, topic = _where(args)

    def enough(entries: list[Entry]) -> bool:
        wanted = list(select(entries, service=args.service, limit=args.limit, reason=args.reason))
        return args.limit is not None and len(wanted) >= args.limit

    try:
        entries = asyncio.run(
            read_entries(bootstrap, topic, idle_timeout=args.idle_timeout, done=enough)
        )
    except (KafkaError, OSError, TimeoutError) as exc:
        print(
            f"vigil deadletters: error: cannot read {topic} at {bootstrap}: {exc!r}",
            file=sys.stderr,
        )
        return 1
    shown = list(select(entries, service=args.service, limit=args.limit, reason=args.reason))
    for entry in shown:
        print(to_json(entry) if args.json else format_line(entry))
    print(
        f"{len(shown)} dead letter(s) shown of {len(entries)} record(s) in {topic}", file=sys.stderr
    )
    return 0


def run_export(args: argparse.Namespace) -> int:
    bootstrap, topic = _where(args)
    try:
        entries = asyncio.run(
            read_entries(bootstrap, topic, idle_timeout=args.idle_timeout, done=lambda e: False)
        )
    except (KafkaError, OSError, TimeoutError) as exc:
        print(
            f"vigil deadletters: error: cannot read {topic} at {bootstrap}: {exc!r}",
            file=sys.stderr,
        )
        return 1
    lines, skipped = [], 0
    for entry in select(entries, service=args.service, limit=None, reason=args.reason):
        try:
            lines.append(original_report(entry).model_dump_json(exclude_none=True) + "\n")
        except RejectedInput as exc:
            print(f"skipped: {exc.reason}", file=sys.stderr)
            skipped += 1
    if args.file == "-":
        sys.stdout.write("".join(lines))
    else:
        Path(args.file).write_text("".join(lines), encoding="utf-8")
    print(
        f"exported {len(lines)} report(s) of {args.reason} dead letters"
        + (f" ({skipped} skipped)" if skipped else "")
        + (
            f" to {args.file}; replay them: vigil replay jsonl {args.file}"
            if args.file != "-"
            else ""
        ),
        file=sys.stderr,
    )
    return 0


async def _redrive(
    args: argparse.Namespace, bootstrap: str, topic: str, value: bytes | None
) -> int:
    wanted = sorted(set(args.offset))

    def _chosen(entries: list[Entry]) -> list[Entry]:
        return [e for e in entries if e.partition == args.partition and e.offset in wanted]

    def found_all(entries: list[Entry]) -> bool:
        return not missing_offsets(wanted, _chosen(entries))

    entries = _chosen(
        await read_entries(bootstrap, topic, idle_timeout=args.idle_timeout, done=found_all)
    )
    missing = missing_offsets(wanted, entries)
    plans = []
    for entry in entries:
        try:
            plans.append(plan_redrive(entry, value=value, to_topic=args.to_topic))
        except RejectedInput as exc:
            print(f"skipped: {exc.reason}", file=sys.stderr)
            missing.append(entry.offset)
    producer = make_producer(bootstrap, request_timeout_ms=int(CONNECT_TIMEOUT * 1000))
    await asyncio.wait_for(producer.start(), CONNECT_TIMEOUT)
    try:
        if args.to_topic:
            await create_topics(bootstrap, [args.to_topic])
        for plan in plans:
            sent = await producer.send_and_wait(
                plan.topic, plan.value, key=plan.key, headers=plan.headers
            )
            print(f"redrove {plan.describe()}: now partition {sent.partition} offset {sent.offset}")
    finally:
        await producer.stop()
    for offset in missing:
        print(
            f"not redriven: no dead letter at {topic} partition {args.partition} offset {offset}",
            file=sys.stderr,
        )
    return 1 if missing else 0


def run_redrive(args: argparse.Namespace) -> int:
    bootstrap, topic = _where(args)
    value = None
    if args.value_file is not None:
        if len(set(args.offset)) != 1:
            print(
                "vigil deadletters: error: --value-file needs exactly one --offset", file=sys.stderr
            )
            return 2
        if not args.value_file.is_file():
            print(f"vigil deadletters: error: {args.value_file}: no such file", file=sys.stderr)
            return 2
        value = args.value_file.read_bytes()
    try:
        return asyncio.run(_redrive(args, bootstrap, topic, value))
    except (KafkaError, OSError, TimeoutError) as exc:
        print(
            f"vigil deadletters: error: re-drive via {bootstrap} failed: {exc!r}", file=sys.stderr
        )
        return 1
