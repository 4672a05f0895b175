"""Independent computation of the children_killed >= 10 / 24 h crossings in the Airwars file.

    .venv/bin/python scripts/airwars_crossings.py [FILE] [--threshold N]

Reads the CSV with the ``csv`` module and plain dates; shares nothing with Vigil's
counting code. It borrows two things, both documented rules rather than counting:
the importer tells which row numbers it rejects (those rows are not replayed), and the
gazetteer normalises governorate names (``Idleb`` -> ``SYR/Idlib``) and chooses the region
from the coordinates where the stated one is missing or contradicted (``resolve_admin1``).

Per accepted row: the day is ``date_end`` when given, else ``date`` (the importer's
documented mapping); the region is ``region``, else ``governorate``; the figure is
``children_killed_min`` (blank = not reported = contributes 0; only a max given = a
0..max range whose low end is 0). Day-precision incidents sit at 00:00 UTC of their day,
so a 24 h window ending at day D 00:00 holds exactly day D's incidents.

Two sets of (region key, day) are computed:

``crossing_starts``: the crossings of the rolling-window value as a function of event
time once all history is known: the first day of every maximal run of consecutive
calendar days whose sum is >= threshold.

``replay_crossings``: the crossings seen by a stream processor fed the rows one at a
time in event-time order (stable by date, then row number), whose event-time clock T is
the latest day seen in the whole partition (all regions). When the first row of day D
arrives, every region's window (D - 24 h, D] holds only the day-D rows seen so far, so a
region firing on day D - 1 drops below the level unless that very first row is its own
and reaches the level alone; it then fires again when its own day-D rows reach the level.
This set is ``crossing_starts`` plus such re-fires inside runs, minus runs continued by a
region's own first row of the day across a day with no row at all in the file.
"""

from __future__ import annotations

import argparse
import csv
import sys
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from services.common.gazetteer import Gazetteer  # noqa: E402
from services.common.gazetteer.coordinates import resolve_admin1  # noqa: E402
from tools.importers import airwars  # noqa: E402
from tools.importers.fields import Rejected  # noqa: E402

DEFAULT_FILE = ROOT.parent / "shared" / "data" / "airwars_syria_incidents.csv"
COUNTRY = "SYR"  # the file is Airwars' Syria data set: every accepted row is SYR

Crossing = tuple[str, date]


def _coordinate(row: dict[str, str], name: str) -> float | None:
    try:
        return float(_text(row, name))
    except ValueError:
        return None


@dataclass(frozen=True)
class DayRow:
    row: int
    day: date
    region: str
    children: int
    incident_code: str


@dataclass
class Replayable:
    rows: list[DayRow] = field(default_factory=list)
    rejected: dict[int, str] = field(default_factory=dict)

    def shared_codes(self) -> dict[str, list[int]]:
        """Incident codes on several rows with a children figure: Vigil treats such rows as
        revisions of one incident (not summed), so a plain per-row sum would differ."""
        rows: dict[str, list[DayRow]] = defaultdict(list)
        for r in self.rows:
            if r.incident_code:
                rows[r.incident_code].append(r)
        return {
            code: [r.row for r in group]
            for code, group in rows.items()
            if len(group) > 1 and any(r.children for r in group)
        }


def rejected_rows(path: Path) -> dict[int, str]:
    """Row numbers (data rows from 1) the importer rejects, with the reason."""
    with path.open(newline="", encoding="utf-8-sig") as handle:
        return {
            r.row: f"{r.kind}: {r.reason}"
            for r in airwars.rows_to_reports(csv.DictReader(handle))
            if isinstance(r, Rejected)
        }


def _text(row: dict[str, str], column: str) -> str:
    return (row.get(column) or "").strip()


def read_rows(path: Path, limit: int | None = None) -> Replayable:
    rejected = rejected_rows(path)
    gazetteer = Gazetteer.default()
    out = Replayable()
    with path.open(newline="", encoding="utf-8-sig") as handle:
        for number, row in enumerate(csv.DictReader(handle), start=1):
            if limit is not None and number > limit:
                break
            if number in rejected:
                out.rejected[number] = rejected[number]
                continue
            day = date.fromisoformat((_text(row, "date_end") or _text(row, "date"))[:10])
            raw = _text(row, "region") or _text(row, "governorate") or None
            lat, lon = _coordinate(row, "latitude"), _coordinate(row, "longitude")
            chosen = resolve_admin1(COUNTRY, raw, lat, lon, gazetteer=gazetteer).admin1
            region = gazetteer.normalise(COUNTRY, chosen).key
            low = _text(row, "children_killed_min")
            children = int(float(low)) if low else 0
            out.rows.append(DayRow(number, day, region, children, _text(row, "incident_code")))
    return out


def day_sums(rows: Iterable[DayRow]) -> Counter[Crossing]:
    sums: Counter[Crossing] = Counter()
    for r in rows:
        sums[(r.region, r.day)] += r.children
    return sums


def crossing_starts(sums: Counter[Crossing], threshold: int = 10) -> set[Crossing]:
    """First day of every maximal run of consecutive days with a sum >= threshold."""
    high = {key for key, total in sums.items() if total >= threshold}
    return {(region, day) for region, day in high if (region, day - timedelta(days=1)) not in high}


def replay_crossings(rows: Iterable[DayRow], threshold: int = 10) -> set[Crossing]:
    """Crossings into the level seen by a one-row-at-a-time event-time replay (see above)."""
    above: dict[str, bool] = {}
    running: Counter[str] = Counter()
    today: date | None = None
    found: set[Crossing] = set()
    for r in sorted(rows, key=lambda r: (r.day, r.row)):
        if r.day != today:
            # T moves to r.day: every window now holds only the day's rows seen so far,
            # that is this first row; only its own region can stay above the level.
            carried = above.get(r.region, False) and r.children >= threshold
            today, running, above = r.day, Counter(), {r.region: carried}
        running[r.region] += r.children
        now_above = running[r.region] >= threshold
        if now_above and not above.get(r.region, False):
            found.add((r.region, r.day))
        above[r.region] = now_above
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("file", type=Path, nargs="?", default=DEFAULT_FILE)
    parser.add_argument("--threshold", type=int, default=10)
    parser.add_argument("--limit", type=int, help="only the first N data rows")
    args = parser.parse_args(argv)
    if not args.file.is_file():
        print(f"skipped: {args.file} not found (see ../shared/data/README.md)")
        return 0
    data = read_rows(args.file, args.limit)
    sums = day_sums(data.rows)
    starts = crossing_starts(sums, args.threshold)
    replay = replay_crossings(data.rows, args.threshold)
    print(f"{len(data.rows)} rows replayed, {len(data.rejected)} rejected by the importer")
    for number, reason in sorted(data.rejected.items()):
        print(f"  rejected row {number}: {reason}")
    shared = data.shared_codes()
    if shared:
        print(f"WARNING: incident codes on several rows with children figures: {shared}")
    days = sum(1 for total in sums.values() if total >= args.threshold)
    print(f"{days} (region, day) with children killed >= {args.threshold}")
    print(f"crossing starts (first day of each run): {len(starts)}")
    for region, day in sorted(starts, key=lambda c: (c[1], c[0])):
        print(f"  {day}  {region}  {sums[(region, day)]}")
    print(f"crossings seen by an event-time replay: {len(replay)}")
    for region, day in sorted(replay ^ starts, key=lambda c: (c[1], c[0])):
        kind = (
            "re-fire inside a run"
            if (region, day) in replay
            else "kept firing over a day with no row"
        )
        print(f"  {'+' if (region, day) in replay else '-'} {day}  {region}  ({kind})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
