"""``vigil extract FILE``: print (or publish) the IncidentReports a wire story yields."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from datetime import UTC, datetime
from pathlib import Path

from schemas.reports import IncidentReport, Source, SourceKind
from services.common.errors import RejectedInput, RejectionKind
from services.common.publisher import make_producer, publish_reports
from services.common.topics import Topics

from .domain import extract_all


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "extract",
        help="extract incident reports from an English wire story",
        description="Extract IncidentReports from English free text (a wire story, an NGO "
        "bulletin, an ACLED note) and print them, or publish them to the reports topic.",
    )
    parser.add_argument("file", metavar="FILE", help="UTF-8 text file, or - for stdin")
    parser.add_argument("--reported-at", help="ISO time the text was issued (default: now, UTC)")
    parser.add_argument("--country", help="ISO3 country when the text names none, e.g. SYR")
    parser.add_argument("--source", help="who published the text (for unattributed claims)")
    parser.add_argument("--format", choices=("jsonl", "json", "table"), default="jsonl")
    parser.add_argument("--publish", action="store_true", help="send to the reports topic")
    parser.add_argument("--bootstrap", help="Kafka bootstrap HOST:PORT (with --publish)")
    parser.add_argument("--topic-prefix", default="", help="topic name prefix (with --publish)")
    parser.set_defaults(func=run)


def _read(name: str) -> str:
    try:
        data = sys.stdin.buffer.read() if name == "-" else Path(name).read_bytes()
    except OSError as exc:
        raise RejectedInput(f"cannot read {name}: {exc.strerror or exc}", RejectionKind.IO) from exc
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise RejectedInput(
            f"{name} is not UTF-8 (byte {exc.start}: {exc.reason})", RejectionKind.ENCODING
        ) from exc


def _table(reports: list[IncidentReport]) -> str:
    lines = [
        f"{'kind':8} {'occurred':10} {'region':18} {'killed':>9} {'children':>9} "
        f"{'injured':>9} source"
    ]
    for r in reports:
        c = r.casualties
        cells = [f.describe() if f else "-" for f in (c.killed, c.children_killed, c.injured)]
        region = f"{r.location.country}/{r.location.admin1 or '?'}"
        lines.append(
            f"{r.kind.value:8} {r.occurred_at.date().isoformat():10} {region:18} "
            f"{cells[0]:>9} {cells[1]:>9} {cells[2]:>9} {r.source.name}"
        )
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    try:
        text = _read(args.file)
        reported_at = (
            datetime.fromisoformat(args.reported_at) if args.reported_at else datetime.now(UTC)
        )
        if reported_at.tzinfo is None:
            reported_at = reported_at.replace(tzinfo=UTC)
        source = Source(name=args.source, kind=SourceKind.MEDIA) if args.source else None
        result = extract_all(
            text, reported_at=reported_at, default_country=args.country, source=source
        )
    except (RejectedInput, ValueError) as exc:
        print(f"vigil extract: {getattr(exc, 'reason', exc)}", file=sys.stderr)
        return 2
    for skipped in result.skipped:
        print(f"skipped: {skipped.reason}: {skipped.sentence[:120]}", file=sys.stderr)
    reports = result.reports
    if args.format == "json":
        print(json.dumps([r.model_dump(mode="json", exclude_none=True) for r in reports], indent=2))
    elif args.format == "table":
        print(_table(reports))
    else:
        for r in reports:
            print(r.model_dump_json(exclude_none=True))
    if args.publish:
        if not args.bootstrap:
            print("vigil extract: --publish needs --bootstrap HOST:PORT", file=sys.stderr)
            return 2
        ids = asyncio.run(_publish(args.bootstrap, Topics(args.topic_prefix).reports, reports))
        print(
            f"published {len(ids)} report(s) to {Topics(args.topic_prefix).reports}",
            file=sys.stderr,
        )
    return 0


async def _publish(bootstrap: str, topic: str, reports: list[IncidentReport]) -> list[str]:
    producer = make_producer(bootstrap)
    await producer.start()
    try:
        return await publish_reports(producer, topic, reports)
    finally:
        await producer.stop()
