"""The alert output of a seeded stream, as one digest: to show that a change of the
runtime (state layout, recovery, transport) leaves what Vigil publishes byte for byte
the same.

    .venv/bin/python scripts/alert_digest.py [--seed 7] [--incidents 600] [--exclude F,G]
                                             [--unique] [--jsonl PATH]

The stream (tests/integration/crash_helpers.generate_stream: revisions, redeliveries,
summaries, late and too-late reports over two countries) goes through the aggregator's
service layer on in-memory tables with the shipped rules, in batches of 1 to 50 records,
with a rebalance (every partition rebuilt from the tables) every 97 records; the alerts
it publishes are printed as a count and a SHA-256 of their JSON lines. ``--exclude``
drops fields before hashing (fields a change added on purpose); ``--unique`` keeps the first
record of each (fingerprint, seq), as consumers do (to compare runs that differ only in
what they re-send: before the outbox was cleared on acknowledgement, a rebuild re-sent
the last batch's alerts); ``--jsonl`` writes them.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import random
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from services.aggregator.settings import AggregatorSettings  # noqa: E402
from tests.integration.crash_helpers import WALL, generate_stream  # noqa: E402
from tests.service.memory import Inputs, harness  # noqa: E402


async def run(seed: int, incidents: int) -> list[str]:
    config = AggregatorSettings().engine_config()
    h = harness(config, WALL)
    inputs = Inputs()
    stream = generate_stream(seed, incidents=incidents, days=30.0)
    messages = inputs.incidents(stream)
    rng = random.Random(seed)
    done = 0
    while done < len(messages):
        size = rng.randint(1, 50)
        await h.aggregator.handle(0, messages[done : done + size], ticks=False)
        before, done = done, done + size
        if before // 97 != done // 97:
            h.aggregator.forget()  # a rebalance: the partition is rebuilt from the tables
    return [value.decode("utf-8") for _, value, _ in h.alerts.records if value is not None]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--incidents", type=int, default=600)
    parser.add_argument("--exclude", default="", help="comma-separated Alert fields to drop")
    parser.add_argument(
        "--unique", action="store_true", help="drop repeats of a (fingerprint, seq)"
    )
    parser.add_argument("--jsonl", type=Path, help="write the alerts here, one per line")
    args = parser.parse_args(argv)
    lines = asyncio.run(run(args.seed, args.incidents))
    if args.unique:
        seen: set[tuple[str, int]] = set()
        first = []
        for line in lines:
            alert = json.loads(line)
            key = (alert["fingerprint"], alert["seq"])
            if key not in seen:
                seen.add(key)
                first.append(line)
        lines = first
    drop = [f for f in args.exclude.split(",") if f]
    if drop:
        kept = []
        for line in lines:
            alert = json.loads(line)
            for name in drop:
                alert.pop(name, None)
            kept.append(json.dumps(alert, sort_keys=False, separators=(",", ":")))
        lines = kept
    digest = hashlib.sha256("\n".join(lines).encode("utf-8")).hexdigest()
    if args.jsonl is not None:
        args.jsonl.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    print(f"{len(lines)} alerts, sha256 {digest}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
