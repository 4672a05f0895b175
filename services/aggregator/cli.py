"""``vigil replay airwars FILE``: replay history through the classifier and aggregator.

Starts the embedded Tansu broker (unless ``--bootstrap``), the classifier and the
aggregator (idle ticks off, a unique topic prefix), maps the file with its importer,
publishes the reports in event-time order (history as it happened: a stable sort by
incident day, file order within a day, so no report is late) with a progress bar, waits
until the aggregator has consumed every report, and prints every alert transition, then
a summary. Rejected rows are listed with their reasons. Ctrl-C stops every process it
started, by PID.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import signal
import sys
import time
from collections import Counter
from pathlib import Path
from types import FrameType, ModuleType
from typing import Any

from services.aggregator.replay import Prepared, ReplayFailed, ReplayResult, prepare, replay
from services.common.errors import ConfigError
from services.common.progress import format_duration
from services.demo.format import alert_line
from services.importers import airwars

LAYOUTS: dict[str, ModuleType] = {"airwars": airwars}
SHOW_REJECTED = 20


def _limit(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"--limit must be a whole number >= 1, got {text!r}")
    return int(text)


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "replay",
        help="replay a CSV export through the classifier and aggregator, print the alerts",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    layouts = parser.add_subparsers(dest="layout", required=True, metavar="LAYOUT")
    for name, module in LAYOUTS.items():
        sub = layouts.add_parser(name, help=f"{name} CSV export", description=__doc__)
        sub.add_argument("file", type=Path, metavar="FILE", help="the CSV export")
        sub.add_argument("--bootstrap", help="use this Kafka (HOST:PORT), not an embedded broker")
        sub.add_argument("--rules", type=Path, help="alert rules YAML (default: the aggregator's)")
        sub.add_argument("--limit", type=_limit, help="replay only the first N rows")
        sub.add_argument("--json", type=Path, dest="json_out", help="also write alerts + summary")
        sub.add_argument("--keep-logs", action="store_true", help="keep the run directory")
        sub.set_defaults(func=run, layout_module=module)


def render_summary(prepared: Prepared, result: ReplayResult) -> str:
    lines = [
        f"rows read:          {prepared.rows:,}",
        f"reports published:  {result.published:,} (event-time order)",
        f"rejected rows:      {len(prepared.rejected):,}"
        + "".join(
            f"\n  {kind}: {n}"
            for kind, n in sorted(Counter(r.kind for r in prepared.rejected).items())
        ),
    ]
    lines += [f"  row {r.row}: {r.reason}" for r in prepared.rejected[:SHOW_REJECTED]]
    if len(prepared.rejected) > SHOW_REJECTED:
        lines.append(f"  ... and {len(prepared.rejected) - SHOW_REJECTED} more")
    lines.append(f"dead letters:       {result.deadletters:,}")
    by_rule = Counter((a.rule, a.transition.value) for a in result.alerts)
    lines.append(f"alert transitions:  {len(result.alerts):,}")
    lines += [f"  {rule:<22} {kind:<11} {n:,}" for (rule, kind), n in sorted(by_rule.items())]
    phases = ", ".join(f"{k} {v:.1f} s" for k, v in result.phases.items())
    lines.append(f"runtime:            {format_duration(result.seconds)} ({phases})")
    return "\n".join(lines)


def to_json(prepared: Prepared, result: ReplayResult) -> dict[str, object]:
    return {
        "rows": prepared.rows,
        "published": result.published,
        "rejected": [{"row": r.row, "kind": r.kind, "reason": r.reason} for r in prepared.rejected],
        "deadletters": result.deadletters,
        "seconds": round(result.seconds, 3),
        "phases": {k: round(v, 3) for k, v in result.phases.items()},
        "alerts": [a.model_dump(mode="json") for a in result.alerts],
    }


def _terminate(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt  # unwinds through replay()'s finally: every process stopped


def run(args: argparse.Namespace) -> int:
    name = f"vigil replay {args.layout}"
    started = time.monotonic()
    try:
        prepared = prepare(args.file, args.layout_module, args.limit)
        mapped = time.monotonic() - started
    except ReplayFailed as exc:
        print(f"{name}: error: {exc}", file=sys.stderr)
        return 2
    previous = signal.signal(signal.SIGTERM, _terminate)
    try:
        result = asyncio.run(
            replay(
                prepared.reports,
                bootstrap=args.bootstrap,
                rules_file=args.rules,
                label=args.layout,
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
    result.phases = {"map": mapped, **result.phases, "stop": 0.0}
    result.seconds = time.monotonic() - started  # everything: map, run, stop
    result.phases["stop"] = result.seconds - sum(result.phases.values())
    for alert in result.alerts:
        print(alert_line(alert))
    print(render_summary(prepared, result))
    if result.run_dir is not None:
        print(f"logs in {result.run_dir}")
    if args.json_out is not None:
        args.json_out.write_text(json.dumps(to_json(prepared, result), indent=1), encoding="utf-8")
        print(f"wrote {args.json_out}")
    return 0
