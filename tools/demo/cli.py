"""``vigil run``: the embedded demo (what ``make run`` calls)."""

from __future__ import annotations

import argparse
import asyncio
from pathlib import Path
from typing import Any

from tools.demo.runner import SAMPLE_FEED, run


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "run",
        help="run Vigil on an embedded broker with the sample feed",
        description="Start the embedded Tansu broker (or use --bootstrap), create the topics, "
        "start every service, publish a feed and print alerts until Ctrl-C.",
    )
    parser.add_argument("--bootstrap", help="use this Kafka instead of the embedded broker")
    parser.add_argument("--feed", type=Path, default=SAMPLE_FEED, help="JSONL of IncidentReports")
    parser.add_argument(
        "--no-sample", action="store_true", help="publish nothing: post reports yourself"
    )
    parser.add_argument("--topic-prefix", default="", help="prefix for every topic name")
    parser.add_argument("--keep-logs", action="store_true", help="keep the run directory")
    parser.set_defaults(func=_main)


def _main(args: argparse.Namespace) -> int:
    if not args.no_sample and not args.feed.is_file():
        print(f"vigil run: feed file {args.feed} not found")
        return 2
    feed = None if args.no_sample else args.feed
    return asyncio.run(run(args.bootstrap, feed, args.topic_prefix, args.keep_logs))
