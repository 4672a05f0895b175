"""The hand-labelled set of real sentences: which rows of ../shared/data, which half, labels.

The texts stay in ../shared/data (their terms forbid copying them into the repository);
``scripts/accuracy/labels.csv`` holds only (file, row, a hash of the text, the half and
the labels). Coding conventions and the set's history: ``scripts/accuracy/CONVENTIONS.md``.

Selection is fixed by hashes, not by content: the rows of each file are ordered by
sha256("<file>:<row>:issue-12"), rows repeating an earlier sentence are dropped, and
- batch 1 is the first ``PER_FILE`` rows of each file, split by the hash's last hex digit
  (odd: ``dev-heldout1``, the first held-out half; even: ``dev``). Both are now used for
  development: the first held-out half was evaluated once, then opened (see CONVENTIONS);
- batch 2 (``dev-heldout2``) is the next ``HELDOUT_PER_FILE`` rows of each file, labelled
  before any further rule was written, evaluated once, then opened as well;
- batch 3 (``dev-heldout3``) and batch 4 (``dev-heldout4``) likewise, each evaluated once
  and opened;
- batch 5 (``dev-heldout5``) is the next ``FINAL_PER_FILE`` rows of each file (390 in
  all), labelled before the extractor's second pass, evaluated once at its end, then opened;
- batch 6 (``dev-heldout6``) is the next ``FINAL_PER_FILE`` rows of each file (390 in
  all), labelled before the third pass, evaluated once at its end, then opened;
- batch 7 (``heldout``) is the next rows of each file, up to ``FINAL_PER_FILE`` (the
  Airwars file has only 177 distinct rows left: 372 in all), labelled before the fourth
  pass changed any rule and never run through the extractor until the one final
  evaluation (at the end of the fourth pass; its result is in CONVENTIONS). It is the
  held-out set ``make accuracy`` reports.
"""

from __future__ import annotations

import csv
import hashlib
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data"
LABELS = Path(__file__).resolve().parent / "accuracy" / "labels.csv"
FILES = {
    "airwars_en_casualty_sentences.csv": "sentence",
    "fakes_casualty_sentences_unlabeled.csv": "sentence",
}
PER_FILE = 130
HELDOUT_PER_FILE = 65
FINAL_PER_FILE = 195
BATCH6_SKIP = PER_FILE + 3 * HELDOUT_PER_FILE + FINAL_PER_FILE
"""Rows of each file taken by batches 1-5 (batch 6 starts after them in hash order)."""
BATCH7_SKIP = BATCH6_SKIP + FINAL_PER_FILE
"""Rows of each file taken by batches 1-6 (batch 7 starts after them in hash order)."""
SALT = "issue-12"
DEVELOPMENT = (
    "dev",
    "dev-heldout1",
    "dev-heldout2",
    "dev-heldout3",
    "dev-heldout4",
    "dev-heldout5",
    "dev-heldout6",
)
HELDOUT = "heldout"


def row_hash(file: str, row: int) -> str:
    return hashlib.sha256(f"{file}:{row}:{SALT}".encode()).hexdigest()


def half_of(file: str, row: int) -> str:
    """The batch-1 half of a row (its label says ``heldout`` when it is from batch 2)."""
    return "dev-heldout1" if int(row_hash(file, row)[-1], 16) % 2 else "dev"


def text_hash(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:12]


def read_rows(file: str) -> list[dict[str, str]]:
    with (DATA / file).open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def select(file: str, rows: list[dict[str, str]], n: int = PER_FILE, skip: int = 0) -> list[int]:
    """Row indices (0-based, header excluded) chosen from ``file``: the ``n`` rows after the
    first ``skip`` in hash order (batch 1: skip 0; batch 2: skip PER_FILE, n HELDOUT_PER_FILE)."""
    column = FILES[file]
    seen: set[str] = set()
    first: list[int] = []
    for k, row in enumerate(rows):
        if row[column] not in seen:
            seen.add(row[column])
            first.append(k)
    first.sort(key=lambda k: row_hash(file, k))
    return sorted(first[skip : skip + n])


@dataclass(frozen=True)
class Label:
    file: str
    row: int
    sha: str
    half: str
    kind: str
    killed: int | None
    injured: int | None
    children_killed: int | None
    women_killed: int | None
    summary_killed: int | None
    admin1: str | None
    note: str


def _int(raw: str) -> int | None:
    return int(raw) if raw.strip() else None


def load_labels(path: Path = LABELS) -> list[Label]:
    with path.open(encoding="utf-8", newline="") as f:
        return [
            Label(
                file=r["file"],
                row=int(r["row"]),
                sha=r["sha"],
                half=r["half"],
                kind=r["kind"],
                killed=_int(r["killed"]),
                injured=_int(r["injured"]),
                children_killed=_int(r["children_killed"]),
                women_killed=_int(r["women_killed"]),
                summary_killed=_int(r["summary_killed"]),
                admin1=r["admin1"].strip() or None,
                note=r["note"],
            )
            for r in csv.DictReader(f)
        ]


def main() -> None:
    """Print the selected rows' texts for labelling (to stdout: keep it out of the repo)."""
    for file in FILES:
        rows = read_rows(file)
        batches = (
            select(file, rows)
            + select(file, rows, HELDOUT_PER_FILE, PER_FILE)
            + select(file, rows, HELDOUT_PER_FILE, PER_FILE + HELDOUT_PER_FILE)
            + select(file, rows, HELDOUT_PER_FILE, PER_FILE + 2 * HELDOUT_PER_FILE)
            + select(file, rows, FINAL_PER_FILE, PER_FILE + 3 * HELDOUT_PER_FILE)
            + select(file, rows, FINAL_PER_FILE, BATCH6_SKIP)
            + select(file, rows, FINAL_PER_FILE, BATCH7_SKIP)
        )
        for k in batches:
            r = rows[k]
            extra = r.get("article_date") or r.get("date") or ""
            print(f"{file}\t{k}\t{text_hash(r[FILES[file]])}\t{extra}")
            print(f"    {r[FILES[file]]}")


if __name__ == "__main__":
    main()
