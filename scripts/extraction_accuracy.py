"""Accuracy of the free-text extractor on ACLED notes (and a sanity check on Airwars).

    .venv/bin/python scripts/extraction_accuracy.py [--half even|odd|all] [--limit N]
        [--show-errors K] [--airwars]

Reads ../shared/data/acled_notes_casualty_labeled.csv (skips with a message if absent),
keeps the rows whose ``fatality_number_appears_in_text`` is true and runs ``extract`` on
each note with reported_at = the event date + 1 day and default_country = the row's
country. A note is correct when its *extracted killed figure* equals ``fatalities_label``.
``--half even|odd`` keeps the rows with an even / odd index (among the kept rows): rules are
developed on the even half and the odd half is held out to check they generalise.

Extracted killed figure (what Vigil itself would count for the note): over the incident
reports (summaries excluded), group by incident_id; each incident counts the highest low
end of ``killed`` among its reports (several sources of one incident are not summed);
incidents are summed. A note yielding no killed figure counts 0. ACLED codes one event's
total fatalities, all sides together, so this is the comparable number.
"""

from __future__ import annotations

import argparse
import csv
import sys
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from schemas.reports import IncidentReport, ReportKind  # noqa: E402
from services.extractor.domain import extract  # noqa: E402
from services.extractor.domain.places import countries_named  # noqa: E402

DATA = ROOT.parent / "shared" / "data"
_CODED = ("coded as", "coded to", "fatalities.", "fatality.", "total fatalities")


def killed_figure(reports: list[IncidentReport]) -> int | None:
    per_incident: dict[str, int] = {}
    for r in reports:
        if r.kind is ReportKind.SUMMARY or r.casualties.killed is None:
            continue
        low = r.casualties.killed.pick("low")
        per_incident[r.incident_id] = max(low, per_incident.get(r.incident_id, 0))
    return sum(per_incident.values()) if per_incident else None


def _event_day(raw: str) -> datetime:
    """ACLED writes event dates as ISO or like "9-May-20"."""
    for fmt in ("%Y-%m-%d", "%d-%b-%y", "%d %B %Y"):
        try:
            return datetime.strptime(raw.strip(), fmt).replace(tzinfo=UTC)
        except ValueError:
            continue
    raise ValueError(f"unknown event_date format: {raw!r}")


def _progress(done: int, total: int, started: float) -> None:
    if done % 200 == 0 or done == total:
        rate = done / max(time.monotonic() - started, 1e-9)
        print(f"\r{done}/{total} notes ({rate:.0f}/s)", end="", file=sys.stderr, flush=True)
        if done == total:
            print(file=sys.stderr)


def acled(limit: int | None, show: int, half: str = "all") -> int:
    path = DATA / "acled_notes_casualty_labeled.csv"
    if not path.exists():
        print(f"skipped: {path} not found (it lives beside the repository, not in it)")
        return 0
    with path.open(encoding="utf-8", newline="") as f:
        rows = [r for r in csv.DictReader(f) if r["fatality_number_appears_in_text"] == "True"]
    if half != "all":
        rows = rows[half == "odd" :: 2]
    rows = rows[:limit] if limit else rows
    kinds: Counter[str] = Counter()
    by_style: Counter[tuple[str, bool]] = Counter()
    errors: list[tuple[str, int, int | None]] = []
    started = time.monotonic()
    for n, row in enumerate(rows, 1):
        day = _event_day(row["event_date"])
        country = next((code for code, _ in countries_named(row["country"])), None)
        got = killed_figure(
            extract(row["notes"], reported_at=day + timedelta(days=1), default_country=country)
        )
        label = int(row["fatalities_label"])
        ok = (got or 0) == label
        style = "coded" if any(c in row["notes"].casefold() for c in _CODED) else "plain"
        by_style[(style, ok)] += 1
        if ok:
            kinds["correct"] += 1
        else:
            kinds[
                "no killed figure" if got is None else "too high" if got > label else "too low"
            ] += 1
            errors.append((row["notes"], label, got))
        _progress(n, len(rows), started)
    total = len(rows)
    print(f"ACLED notes with the number in the text ({half} rows): {total}")
    print(f"accuracy (extracted killed == fatalities_label): {kinds['correct'] / total:.1%}")
    for kind, count in kinds.most_common():
        print(f"  {kind:18} {count:6}")
    for style in ("coded", "plain"):
        good, bad = by_style[(style, True)], by_style[(style, False)]
        if good + bad:
            print(
                f"  notes {style:6} ({'with' if style == 'coded' else 'without'} an ACLED "
                f"coding sentence): {good / (good + bad):.1%} of {good + bad}"
            )
    for note, label, got in errors[:show]:
        print(f"--- label {label}, extracted {got}\n{note}")
    return 0


def airwars(limit: int | None) -> int:
    path = DATA / "airwars_en_casualty_sentences.csv"
    if not path.exists():
        print(f"skipped: {path} not found")
        return 0
    with path.open(encoding="utf-8", newline="") as f:
        rows = [r for r in csv.DictReader(f) if r["civilians_killed_min"]]
    rows = rows[:limit] if limit else rows
    inside = 0
    for row in rows:
        day = datetime.fromisoformat(row["date"]).replace(tzinfo=UTC)
        got = killed_figure(
            extract(row["sentence"], reported_at=day + timedelta(days=1), default_country="SYR")
        )
        low, high = (
            int(row["civilians_killed_min"]),
            int(row["civilians_killed_max"] or row["civilians_killed_min"]),
        )
        inside += got is not None and low <= got <= high
    print(
        f"Airwars sentences with a civilians-killed figure: {len(rows)}; extracted killed within "
        f"the incident's [min, max]: {inside} ({inside / max(len(rows), 1):.1%}; sentence and "
        "incident figures need not match, see the data README)"
    )
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--limit", type=int, default=None, help="only the first N labelled notes")
    parser.add_argument(
        "--show-errors", type=int, default=0, metavar="K", help="print K wrong notes"
    )
    parser.add_argument(
        "--half",
        choices=("even", "odd", "all"),
        default="all",
        help="rows with an even / odd index only (develop on even, hold out odd)",
    )
    parser.add_argument("--airwars", action="store_true", help="also run the Airwars sanity check")
    args = parser.parse_args(argv)
    code = acled(args.limit, args.show_errors, args.half)
    if args.airwars:
        code = code or airwars(args.limit)
    return code


if __name__ == "__main__":
    sys.exit(main())
