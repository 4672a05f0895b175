"""``vigil replay LAYOUT FILE [LAYOUT FILE ...]``: replay history through the classifier
and aggregator and print every alert transition.

Layouts: acled, ucdp, airwars (the importers' CSV exports; ``vigil import LAYOUT --help``
shows each column mapping) and jsonl (one IncidentReport JSON object per line). Several
files replay together: ``vigil replay airwars A.csv ucdp B.csv``. Their reports are
merged in event-time order (history as it happened: nothing arrives after its country's
clock passed it, so nothing is too late) and published to a fresh embedded broker
(unless --bootstrap) read by a classifier and an aggregator started for the replay
(idle ticks off, their own topic prefix; "future" judged against each report's own
reported_at, never the machine's clock). Rows a file cannot map, reports outside
--since/--until and reports from the future are listed with their reasons, never
dropped silently; what the services refused or ignored is counted by reason.

Alerts go to stdout, one line each, then a summary. With --json FILE every transition
is also written as one Alert JSON object per line (``--json -``: to stdout, and the
human output to stderr). Progress bars go to stderr. Ctrl-C stops every process it
started, by PID.
"""

from __future__ import annotations

import argparse
import asyncio
import signal
import sys
import time
from collections import Counter
from datetime import date
from pathlib import Path
from types import FrameType
from typing import Any, TextIO

from services.common.errors import ConfigError
from services.common.progress import Progress, format_duration
from tools.demo.format import alert_line
from tools.importers.cli import ImportFailed, open_rows
from tools.replay.logic import (
    CSV_LAYOUTS,
    LAYOUTS,
    FileResult,
    Input,
    InputError,
    Prepared,
    collect,
    jsonl_reports,
    parse_inputs,
    prepare,
)
from tools.replay.runner import ReplayFailed, ReplayResult, replay

SHOW_REJECTED = 10


def _limit(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"--limit must be a whole number >= 1, got {text!r}")
    return int(text)


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date like 2019-03-01") from None


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "replay",
        help="replay history (acled, ucdp, airwars, jsonl files) and print the alerts",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "inputs",
        nargs="+",
        metavar="LAYOUT FILE",
        help=f"pairs of a layout ({', '.join(LAYOUTS)}) and a file",
    )
    parser.add_argument("--rules", type=Path, help="alert rules YAML (default: the aggregator's)")
    parser.add_argument("--since", type=_day, help="only incidents on or after this day")
    parser.add_argument("--until", type=_day, help="only incidents on or before this day")
    parser.add_argument(
        "--json",
        dest="json_out",
        metavar="FILE",
        help="also write each alert transition as one JSON line ('-': stdout)",
    )
    parser.add_argument("--limit", type=_limit, help="read only the first N rows of each file")
    parser.add_argument("--bootstrap", help="use this Kafka (HOST:PORT), not an embedded broker")
    parser.add_argument("--keep-logs", action="store_true", help="keep the run directory")
    parser.set_defaults(func=run)


def read(source: Input, limit: int | None) -> FileResult:
    """One file's rows mapped to reports, with a progress bar on stderr."""
    if source.layout == "jsonl":
        if not source.path.is_file():
            raise ImportFailed(f"{source.path}: no such file")
        with source.path.open(encoding="utf-8") as handle:
            lines = handle.readlines()
        if limit is not None:
            lines = lines[:limit]
        total, results = len(lines), jsonl_reports(lines)
    else:
        module = CSV_LAYOUTS[source.layout]
        total, rows = open_rows(source.path, module.REQUIRED_COLUMNS)
        if limit is not None:
            total = min(total, limit)
            rows = (row for number, row in enumerate(rows, start=1) if number <= limit)
        results = module.rows_to_reports(rows)
    with Progress(total, label=f"read {source.label}") as bar:

        def counted() -> Any:
            for result in results:
                bar.advance()
                yield result

        return collect(source, counted())


def render_summary(prepared: Prepared, result: ReplayResult) -> str:
    lines = []
    for f in prepared.files:
        lines.append(
            f"{f.input.label}: {f.rows:,} rows, {len(f.reports):,} reports, "
            f"{len(f.rejected):,} rejected"
        )
        kinds = Counter(r.kind for r in f.rejected)
        lines += [f"  {kind}: {n:,}" for kind, n in sorted(kinds.items())]
        lines += [f"  row {r.row}: {r.reason}" for r in f.rejected[:SHOW_REJECTED]]
        if len(f.rejected) > SHOW_REJECTED:
            lines.append(f"  ... and {len(f.rejected) - SHOW_REJECTED:,} more")
    lines.append(f"outside --since/--until: {prepared.outside:,}")
    lines.append(f"from the future:         {len(prepared.future):,} (not published)")
    for report, reason in prepared.future[:SHOW_REJECTED]:
        lines.append(f"  {report.report_id}: {reason}")
    lines.append(f"published:               {result.published:,} (event-time order)")
    ignored = ", ".join(f"{k} {v:,}" for k, v in sorted(result.ignored.items())) or "none"
    lines.append(f"changed nothing:         {ignored}")
    lines.append(f"dead letters:            {result.deadletters:,}")
    by_rule = Counter((a.rule, a.transition.value) for a in result.alerts)
    lines.append(f"alert transitions:       {len(result.alerts):,}")
    lines += [f"  {rule:<22} {kind:<11} {n:,}" for (rule, kind), n in sorted(by_rule.items())]
    phases = ", ".join(f"{k} {v:.1f} s" for k, v in result.phases.items())
    lines.append(f"runtime:                 {format_duration(result.seconds)} ({phases})")
    return "\n".join(lines)


def _terminate(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt  # unwinds through replay()'s finally: every process stopped


def run(args: argparse.Namespace) -> int:
    name = "vigil replay"
    started = time.monotonic()
    try:
        inputs = parse_inputs(args.inputs)
        files = [read(source, args.limit) for source in inputs]
    except (InputError, ImportFailed) as exc:
        print(f"{name}: error: {exc}", file=sys.stderr)
        return 2
    if args.since and args.until and args.since > args.until:
        print(f"{name}: error: --since {args.since} is after --until {args.until}", file=sys.stderr)
        return 2
    prepared = prepare(files, since=args.since, until=args.until)
    mapped = time.monotonic() - started
    label = " + ".join(source.layout for source in inputs)
    previous = signal.signal(signal.SIGTERM, _terminate)
    try:
        result = asyncio.run(
            replay(
                prepared.reports,
                bootstrap=args.bootstrap,
                rules_file=args.rules,
                label=label,
                keep_dir=args.keep_logs,
            )
        )
    except ConfigError as exc:
        print(f"{name}: error: {exc}", file=sys.stderr)
        return 2
    except ReplayFailed as exc:
        print(f"{name}: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(f"{name}: interrupted; every process it started was stopped", file=sys.stderr)
        return 130
    finally:
        signal.signal(signal.SIGTERM, previous)
    result.phases = {"read": mapped, **result.phases, "stop": 0.0}
    result.seconds = time.monotonic() - started  # everything: read, run, stop
    result.phases["stop"] = result.seconds - sum(result.phases.values())
    human: TextIO = sys.stderr if args.json_out == "-" else sys.stdout
    if args.json_out is not None:
        lines = "".join(a.model_dump_json() + "\n" for a in result.alerts)
        if args.json_out == "-":
            sys.stdout.write(lines)
            sys.stdout.flush()
        else:
            Path(args.json_out).write_text(lines, encoding="utf-8")
    for alert in result.alerts:
        print(alert_line(alert), file=human)
    print(render_summary(prepared, result), file=human)
    if result.run_dir is not None:
        print(f"logs in {result.run_dir}", file=human)
    if args.json_out not in (None, "-"):
        print(f"wrote {len(result.alerts):,} alert transitions to {args.json_out}", file=human)
    return 0
