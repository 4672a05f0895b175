"""``vigil link COUNTRY INCIDENT INCIDENT`` and ``vigil unlink ...``: an analyst's decision,
sent to the ingest API (``POST /v1/links``, bearer token); ``vigil links export FILE``:
every decision that stands, read from the links topic, one JSON object per line (the
input of ``vigil replay --links FILE``).

The ingest URL and token come from ``--url`` / ``--token`` or ``VIGIL_INGEST_URL`` /
``VIGIL_TOKEN``. The answer (the decision as published) is printed; 202 is success.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

from schemas.links import LinkAction, LinkDecision
from services.common.codec import decode
from services.common.errors import RejectedInput
from services.common.kafka import start_reader
from services.common.settings import ServiceSettings
from services.common.topics import Topics

TIMEOUT = 15.0


def register(subparsers: Any) -> None:
    for action, words in ((LinkAction.LINK, "are one"), (LinkAction.UNLINK, "are two")):
        parser = subparsers.add_parser(
            action.value,
            help=f"say that two incidents {words} (an analyst's decision)",
            description=__doc__,
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        parser.add_argument("country", help="ISO3 country of both incidents, e.g. SYR")
        parser.add_argument("incidents", nargs=2, metavar="INCIDENT", help="two incident_ids")
        parser.add_argument("--analyst", required=True, help="who decides (kept with it)")
        parser.add_argument("--reason", help="why, in words (shown in the alert evidence)")
        parser.add_argument("--url", help="ingest base URL (default: $VIGIL_INGEST_URL)")
        parser.add_argument("--token", help="bearer token (default: $VIGIL_TOKEN)")
        parser.set_defaults(func=decide, action=action)
    links = subparsers.add_parser("links", help="analysts' link decisions")
    sub = links.add_subparsers(dest="links_command", required=True, metavar="COMMAND")
    export = sub.add_parser(
        "export", help="write every decision that stands as JSON lines (for vigil replay --links)"
    )
    export.add_argument("file", help="output file ('-': stdout)")
    export.add_argument("--bootstrap", help="Kafka host:port (default: $VIGIL_KAFKA_BOOTSTRAP)")
    export.add_argument("--topic-prefix", help="topic name prefix (default: $VIGIL_TOPIC_PREFIX)")
    export.set_defaults(func=export_decisions)


def decide(args: argparse.Namespace) -> int:
    name = f"vigil {args.action.value}"
    url = args.url or os.environ.get("VIGIL_INGEST_URL")
    token = args.token or os.environ.get("VIGIL_TOKEN")
    if not url or not token:
        print(f"{name}: error: give --url and --token (or VIGIL_INGEST_URL, VIGIL_TOKEN)",
              file=sys.stderr)  # fmt: skip
        return 2
    body: dict[str, object] = {
        "country": args.country,
        "incidents": list(args.incidents),
        "action": args.action.value,
        "analyst": args.analyst,
    }
    if args.reason:
        body["reason"] = args.reason
    request = urllib.request.Request(
        url.rstrip("/") + "/v1/links",
        data=json.dumps(body).encode(),
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT) as response:
            answer = response.read().decode()
    except urllib.error.HTTPError as exc:
        print(f"{name}: refused ({exc.code}): {exc.read().decode(errors='replace')}",
              file=sys.stderr)  # fmt: skip
        return 1
    except OSError as exc:
        print(f"{name}: error: cannot reach {url}: {exc}", file=sys.stderr)
        return 1
    print(answer)
    return 0


async def read_decisions(bootstrap: str, topic: str, idle: float = 1.0) -> list[LinkDecision]:
    """Every decision that stands on ``topic`` (the last per pair, as compaction keeps),
    read from the beginning until nothing came for ``idle`` seconds."""
    consumer = await start_reader(bootstrap, wait_seconds=TIMEOUT)
    latest: dict[bytes, LinkDecision] = {}
    try:
        if topic not in await consumer.topics():
            return []
        consumer.subscribe([topic])
        last = time.monotonic()
        while time.monotonic() - last < idle:
            for records in (await consumer.getmany(timeout_ms=200)).values():
                for record in records:
                    try:
                        decision = decode(LinkDecision, record.value)
                    except RejectedInput:
                        continue  # not a decision (the aggregator dead-letters it)
                    known = latest.get(decision.key())
                    if known is None or (
                        decision.decided_at,
                        decision.action is LinkAction.UNLINK,
                    ) >= (
                        known.decided_at,
                        known.action is LinkAction.UNLINK,
                    ):
                        latest[decision.key()] = decision
                last = time.monotonic()
    finally:
        await consumer.stop()
    return [latest[key] for key in sorted(latest)]


def export_decisions(args: argparse.Namespace) -> int:
    settings = ServiceSettings()
    bootstrap = args.bootstrap or settings.kafka_bootstrap
    prefix = settings.topic_prefix if args.topic_prefix is None else args.topic_prefix
    try:
        decisions = asyncio.run(read_decisions(bootstrap, Topics(prefix).links))
    except Exception as exc:  # unreachable broker: many aiokafka types
        print(f"vigil links export: error: cannot read Kafka at {bootstrap}: {exc!r}",
              file=sys.stderr)  # fmt: skip
        return 1
    text = "".join(d.model_dump_json(exclude_none=True) + "\n" for d in decisions)
    if args.file == "-":
        sys.stdout.write(text)
    else:
        Path(args.file).write_text(text, encoding="utf-8")
        print(f"wrote {len(decisions)} decision(s) to {args.file}", file=sys.stderr)
    return 0
