"""``vigil import {acled,ucdp,airwars} FILE``: stream a CSV export onto the reports topic.

Reads the file row by row (never all of it into memory), maps each row with the layout's
pure module, shows a progress bar on stderr, and prints a summary (accepted, rejected by
reason with example rows, elapsed time) on stdout. ``--dry-run`` only validates.

Before publishing it says (on stderr) how many rows a live aggregator would refuse: rows
older than the lateness allows against their country's event-time clock (the running
aggregator's, read from its changelog, moved on by the file's own rows in file order)
and rows from the future; history belongs in ``vigil replay``.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import itertools
import sys
import time
from collections.abc import Awaitable, Callable, Iterable, Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

from schemas.reports import IncidentReport
from services.aggregator.clocks import read_clocks
from services.aggregator.settings import AggregatorSettings
from services.common.eventtime import parse_duration
from services.common.kafka import create_topics
from services.common.progress import Progress
from services.common.publisher import make_producer, publish_reports
from services.common.settings import ServiceSettings
from services.common.topics import Topics
from tools.importers import acled, airwars, ucdp
from tools.importers.fields import ImportResult, Rejected
from tools.importers.lateness import LatenessCheck
from tools.importers.pacing import TokenBucket, batch_size
from tools.importers.summary import ImportSummary

LAYOUTS: dict[str, ModuleType] = {"acled": acled, "ucdp": ucdp, "airwars": airwars}
CONNECT_TIMEOUT = 15.0

Publish = Callable[[list[IncidentReport]], Awaitable[int]]


class ImportFailed(Exception):
    """The whole import cannot run (missing file, wrong layout, unreachable broker)."""


def _rate(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"--rate {text!r} is not a number") from None
    if not 0 < value < float("inf"):
        raise argparse.ArgumentTypeError(
            f"--rate must be a positive number of reports/s, got {text}"
        )
    return value


def _limit(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"--limit must be a whole number >= 1, got {text!r}")
    return int(text)


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "import", help="import an ACLED, UCDP or Airwars CSV export", description=__doc__
    )
    layouts = parser.add_subparsers(dest="layout", required=True, metavar="LAYOUT")
    for name, module in LAYOUTS.items():
        sub = layouts.add_parser(
            name,
            help=f"{name} CSV export",
            description=module.HELP,
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        sub.add_argument("file", type=Path, metavar="FILE", help="the CSV export")
        sub.add_argument("--dry-run", action="store_true", help="validate and summarise only")
        sub.add_argument("--rate", type=_rate, help="publish at most N reports per second")
        sub.add_argument("--limit", type=_limit, help="stop after N rows")
        sub.add_argument("--bootstrap", help="Kafka host:port (default: $VIGIL_KAFKA_BOOTSTRAP)")
        sub.add_argument("--topic-prefix", help="topic name prefix (default: $VIGIL_TOPIC_PREFIX)")
        sub.set_defaults(func=run, layout_module=module)


def open_rows(path: Path, required: Iterable[str]) -> tuple[int, Iterator[dict[str, str]]]:
    """Check the file and its header; return (row count, a streaming row iterator)."""
    if not path.is_file():
        raise ImportFailed(f"{path}: no such file")
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            header = next(csv.reader(handle), [])
            total = sum(1 for _ in csv.reader(handle))
    except UnicodeDecodeError as exc:
        raise ImportFailed(f"{path}: not UTF-8 text ({exc})") from None
    missing = [c for c in required if c not in header]
    if missing:
        raise ImportFailed(
            f"{path}: wrong layout, missing column(s): {', '.join(missing)} "
            f"(found: {', '.join(header[:12]) or 'nothing'}{', ...' if len(header) > 12 else ''})"
        )

    def rows() -> Iterator[dict[str, str]]:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            yield from csv.DictReader(handle)

    return total, rows()


async def run_import(
    results: Iterable[ImportResult],
    summary: ImportSummary,
    *,
    publish: Publish | None,
    batch: int = 500,
    bucket: TokenBucket | None = None,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    progress: Progress | None = None,
) -> None:
    """Count every result; when ``publish`` is given, send accepted reports in batches
    (each awaited until acknowledged), paced by ``bucket``."""
    pending: list[IncidentReport] = []

    async def flush() -> None:
        if publish is None or not pending:
            return
        if bucket is not None:
            wait = bucket.reserve(len(pending), clock())
            if wait > 0:
                await sleep(wait)
        summary.published += await publish(list(pending))
        pending.clear()

    for result in results:
        if isinstance(result, Rejected):
            summary.reject(result)
        else:
            summary.accept(result.location.country)
            pending.append(result)
            if len(pending) >= batch:
                await flush()
        if progress is not None:
            progress.advance()
    await flush()


def check_lateness(
    results: Iterable[ImportResult], clocks: dict[str, float], wall: float
) -> LatenessCheck:
    """What a live aggregator (``clocks``: its clock per country) would refuse of
    ``results``, judged as the aggregator's settings in this environment would."""
    settings = AggregatorSettings()
    check = LatenessCheck(
        float(parse_duration(settings.lateness)), clocks, settings.future_guard, wall
    )
    for result in results:
        if not isinstance(result, Rejected):
            check.see(result)
    return check


def warn_lateness(args: argparse.Namespace, clocks: dict[str, float]) -> None:
    """First pass over the file: say what would be refused, before anything is sent."""
    module: ModuleType = args.layout_module
    _, rows = open_rows(args.file, module.REQUIRED_COLUMNS)
    if args.limit is not None:
        rows = itertools.islice(rows, args.limit)
    check = check_lateness(module.rows_to_reports(rows), clocks, time.time())
    warning = check.warning(module.NAME, str(args.file))
    if warning:
        print(warning, file=sys.stderr, flush=True)


async def _live_clocks(bootstrap: str) -> dict[str, float]:
    try:
        return await read_clocks(bootstrap, AggregatorSettings().app_id_prefix)
    except Exception:  # no aggregator (yet), or not reachable: the file's own order only
        return {}


async def _publish_file(
    args: argparse.Namespace,
    results: Iterable[ImportResult],
    summary: ImportSummary,
    progress: Progress,
) -> None:
    settings = ServiceSettings()
    bootstrap = args.bootstrap or settings.kafka_bootstrap
    prefix = settings.topic_prefix if args.topic_prefix is None else args.topic_prefix
    topic = Topics(prefix).reports
    producer = make_producer(bootstrap, request_timeout_ms=int(CONNECT_TIMEOUT * 1000))
    try:
        await asyncio.wait_for(create_topics(bootstrap, [topic]), CONNECT_TIMEOUT)
        await asyncio.wait_for(producer.start(), CONNECT_TIMEOUT)
    except Exception as exc:
        await producer.stop()
        raise ImportFailed(f"cannot reach Kafka at {bootstrap}: {exc!r}") from None

    warn_lateness(args, await _live_clocks(bootstrap))

    async def publish(reports: list[IncidentReport]) -> int:
        return len(await publish_reports(producer, topic, reports))

    bucket = None if args.rate is None else TokenBucket(args.rate, time.monotonic())
    try:
        await run_import(
            results,
            summary,
            publish=publish,
            batch=batch_size(args.rate),
            bucket=bucket,
            progress=progress,
        )
    finally:
        await producer.stop()


def run(args: argparse.Namespace) -> int:
    module: ModuleType = args.layout_module
    started = time.monotonic()
    try:
        total, rows = open_rows(args.file, module.REQUIRED_COLUMNS)
    except ImportFailed as exc:
        print(f"vigil import {module.NAME}: error: {exc}", file=sys.stderr)
        return 2
    if args.limit is not None:
        rows = itertools.islice(rows, args.limit)
        total = min(total, args.limit)
    summary = ImportSummary(layout=module.NAME)
    results = module.rows_to_reports(rows)
    try:
        with Progress(total, label=f"{module.NAME} {args.file.name}") as progress:
            if args.dry_run:
                warn_lateness(args, {})
                asyncio.run(run_import(results, summary, publish=None, progress=progress))
            else:
                asyncio.run(_publish_file(args, results, summary, progress))
    except ImportFailed as exc:
        print(f"vigil import {module.NAME}: error: {exc}", file=sys.stderr)
        return 1
    except (csv.Error, UnicodeDecodeError) as exc:
        print(
            f"vigil import {module.NAME}: error: {args.file} is not readable CSV: {exc}",
            file=sys.stderr,
        )
        print(summary.render(time.monotonic() - started, dry_run=args.dry_run))
        return 1
    print(summary.render(time.monotonic() - started, dry_run=args.dry_run))
    return 0
