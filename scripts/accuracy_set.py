"""The hand-labelled set of real sentences: which rows of ../shared/data, which half, labels.

The texts stay in ../shared/data (their terms forbid copying them into the repository);
``scripts/accuracy/labels.csv`` holds only (file, row, a hash of the text, the half and
the labels). Coding conventions: ``scripts/accuracy/CONVENTIONS.md``.

Selection and split are fixed by hashes, not by content, and were made before any rule
was written against the set: the rows of each file are ordered by
sha256("<file>:<row>:issue-12") and the first ``PER_FILE`` rows with a sentence not seen
before are taken; a row is in the held-out half when the same hash's last hex digit is odd.
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
SALT = "issue-12"


def row_hash(file: str, row: int) -> str:
    return hashlib.sha256(f"{file}:{row}:{SALT}".encode()).hexdigest()


def half_of(file: str, row: int) -> str:
    return "heldout" if int(row_hash(file, row)[-1], 16) % 2 else "dev"


def text_hash(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:12]


def read_rows(file: str) -> list[dict[str, str]]:
    with (DATA / file).open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def select(file: str, rows: list[dict[str, str]], n: int = PER_FILE) -> list[int]:
    """Row indices (0-based, header excluded) chosen from ``file``."""
    column = FILES[file]
    seen: set[str] = set()
    first: list[int] = []
    for k, row in enumerate(rows):
        if row[column] not in seen:
            seen.add(row[column])
            first.append(k)
    first.sort(key=lambda k: row_hash(file, k))
    return sorted(first[:n])


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
        for k in select(file, rows):
            r = rows[k]
            extra = r.get("article_date") or r.get("date") or ""
            print(f"{file}\t{k}\t{text_hash(r[FILES[file]])}\t{half_of(file, k)}\t{extra}")
            print(f"    {r[FILES[file]]}")


if __name__ == "__main__":
    main()
