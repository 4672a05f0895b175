"""Speed of the free-text extractor: texts per second over real text.

    .venv/bin/python scripts/bench_extractor.py [--limit N] [--repeat R]

Times ``extract`` alone (files are read first) over ACLED's coded notes and the labelled
real sentences in ../shared/data (skips a file that is absent), after one warm-up call that
loads the gazetteer and GeoNames towns (its time is printed apart). Run it on a quiet
machine: on a shared one the number moves with the load.
"""

from __future__ import annotations

import argparse
import csv
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from services.extractor.domain import extract  # noqa: E402

DATA = ROOT.parent / "shared" / "data"
SOURCES = {
    "acled_notes_casualty_labeled.csv": "notes",
    "airwars_en_casualty_sentences.csv": "sentence",
    "fakes_casualty_sentences_unlabeled.csv": "sentence",
}
REPORTED = datetime(2024, 12, 2, tzinfo=UTC)


def texts(limit: int | None) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for name, column in SOURCES.items():
        path = DATA / name
        if not path.exists():
            print(f"skipped {name}: not found in {DATA}")
            continue
        with path.open(encoding="utf-8", newline="") as f:
            found[name] = [row[column] for row in csv.DictReader(f)][:limit]
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--limit", type=int, default=3000, help="texts per file (default 3000)")
    parser.add_argument("--repeat", type=int, default=1, help="passes over the texts")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    extract("Five people were killed in Azaz.", reported_at=REPORTED, default_country="SYR")
    print(f"first call (loads gazetteer and towns): {time.perf_counter() - started:.2f} s")
    total_texts, total_seconds = 0, 0.0
    for name, items in texts(args.limit).items():
        started = time.perf_counter()
        for _ in range(args.repeat):
            for text in items:
                extract(text, reported_at=REPORTED, default_country="SYR")
        seconds = time.perf_counter() - started
        count = len(items) * args.repeat
        total_texts, total_seconds = total_texts + count, total_seconds + seconds
        print(f"{name:42} {count:6} texts {count / seconds:8.0f} texts/s")
    if total_texts:
        print(f"{'all':42} {total_texts:6} texts {total_texts / total_seconds:8.0f} texts/s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
