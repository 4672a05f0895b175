"""Accuracy of the free-text extractor on real text: hand-labelled sentences and ACLED notes.

    .venv/bin/python scripts/extraction_accuracy.py [--set dev|heldout|acled ...]
        [--limit N] [--show-errors K]

Sets (all three by default, one table):
- ``dev`` / ``heldout``: the development set (1,430 hand-labelled real sentences) and the
  held-out set (batch 7: 372 more, labelled before the fourth pass over the rules and
  scored once, at its end); ``dev-heldout1..6`` are the parts of the development set that were held
  out once, evaluated and then opened (``scripts/accuracy/labels.csv``; conventions and
  history in ``scripts/accuracy/CONVENTIONS.md``).
  The texts are read from ../shared/data at run time. Each sentence is extracted alone,
  with default_country SYR and reported_at = the Airwars incident day + 1 / the FA-KES
  article's date.
- ``acled``: ACLED's coded notes whose fatality number appears in the text
  (../shared/data/acled_notes_casualty_labeled.csv), reported_at = event date + 1 day,
  default_country = the row's country; the label is ACLED's ``fatalities``.

Rules were developed on ``dev`` (and on ACLED); ``heldout`` is the check that they
generalise: it was labelled before the third pass over the rules and scored once, at its
end (the protocol is in CONVENTIONS.md). A missing data file skips its set with a message.

Columns (shares of the set's texts):
- killed exact: the killed figure Vigil would count equals the label (no figure = 0).
- injured exact, child. killed (sentences only): the same for the injured and for the
  children killed.
  Vigil's count: over incident reports (summaries never count), one figure per incident
  (the highest low end among its sources), incidents summed.
- records exact: also right whether there is an incident and whether there is a summary,
  injured / children killed / women killed (summed the same way) and the summary's killed.
  For ACLED (killed is its only label): killed exact, no summary, at most one incident.
- false incidents: an incident was emitted for a text labelled with none (ACLED: a killed
  figure above 0 for a note coded 0).
- missed incidents: a labelled incident gave no incident (ACLED: no killed figure for a
  note coded above 0).
- summaries as incidents: a text labelled as a tally gave an incident, or an incident
  carries the tally's figure.
- admin1 exact (sentences only): among texts whose label names a governorate, the
  extracted reports' admin1 is that governorate.
"""

from __future__ import annotations

import argparse
import csv
import sys
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from schemas.reports import IncidentReport, ReportKind  # noqa: E402
from scripts.accuracy_set import (  # noqa: E402
    DATA,
    DEVELOPMENT,
    FILES,
    LABELS,
    Label,
    load_labels,
    read_rows,
    text_hash,
)
from services.extractor.domain import extract  # noqa: E402
from services.extractor.domain.places import countries_named  # noqa: E402

MEASURES = ("killed", "injured", "children_killed", "women_killed")


def incident_figure(reports: Iterable[IncidentReport], measure: str = "killed") -> int | None:
    """What Vigil would count for ``measure``: per incident the highest low end among its
    sources, incidents summed; None when no incident states it. Summaries never count."""
    per_incident: dict[str, int] = {}
    for r in reports:
        figure = getattr(r.casualties, measure)
        if r.kind is ReportKind.SUMMARY or figure is None:
            continue
        low = figure.pick("low")
        per_incident[r.incident_id] = max(low, per_incident.get(r.incident_id, 0))
    return sum(per_incident.values()) if per_incident else None


def killed_figure(reports: list[IncidentReport]) -> int | None:
    return incident_figure(reports, "killed")


def summary_figure(reports: Iterable[IncidentReport]) -> int | None:
    lows = [
        r.casualties.killed.pick("low")
        for r in reports
        if r.kind is ReportKind.SUMMARY and r.casualties.killed is not None
    ]
    return max(lows) if lows else None


@dataclass
class Score:
    """Counts over one set of texts."""

    texts: int = 0
    killed_exact: int = 0
    injured_exact: int = 0
    children_exact: int = 0
    records_exact: int = 0
    false_incidents: int = 0
    missed_incidents: int = 0
    summaries_as_incidents: int = 0
    placed: int = 0
    placed_exact: int = 0
    seconds: float = 0.0
    errors: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Outcome:
    killed_exact: bool
    records_exact: bool
    injured_exact: bool
    children_exact: bool
    false_incident: bool
    missed_incident: bool
    summary_as_incident: bool
    admin1: bool | None
    """None: the label names no governorate (not scored)."""


def _zero(value: int | None) -> int:
    return value or 0


def judge(label: Label, reports: list[IncidentReport]) -> Outcome:
    """Compare one sentence's extracted reports with its hand label."""
    incidents = [r for r in reports if r.kind is ReportKind.INCIDENT]
    summaries = [r for r in reports if r.kind is ReportKind.SUMMARY]
    got = {m: incident_figure(incidents, m) for m in MEASURES}
    want = {
        "killed": label.killed,
        "injured": label.injured,
        "children_killed": label.children_killed,
        "women_killed": label.women_killed,
    }
    want_incident = label.kind == "incident"
    want_summary = label.kind == "summary"
    killed_exact = _zero(got["killed"]) == _zero(label.killed)
    records_exact = (
        all(_zero(got[m]) == _zero(want[m]) for m in MEASURES)
        and bool(incidents) == want_incident
        and bool(summaries) == want_summary
        and _zero(summary_figure(summaries)) == _zero(label.summary_killed)
    )
    tally = label.summary_killed
    summary_as_incident = want_summary and (
        bool(incidents)
        or (tally is not None and any(incident_figure([r]) == tally for r in incidents))
    )
    admin1 = None
    if label.admin1 is not None and label.kind != "none":
        admin1 = any(r.location.admin1 == label.admin1 for r in reports)
    return Outcome(
        killed_exact=killed_exact,
        records_exact=records_exact,
        injured_exact=_zero(got["injured"]) == _zero(label.injured),
        children_exact=_zero(got["children_killed"]) == _zero(label.children_killed),
        false_incident=bool(incidents) and not want_incident,
        missed_incident=want_incident and not incidents,
        summary_as_incident=summary_as_incident,
        admin1=admin1,
    )


def _add(score: Score, outcome: Outcome) -> None:
    score.texts += 1
    score.killed_exact += outcome.killed_exact
    score.injured_exact += outcome.injured_exact
    score.children_exact += outcome.children_exact
    score.records_exact += outcome.records_exact
    score.false_incidents += outcome.false_incident
    score.missed_incidents += outcome.missed_incident
    score.summaries_as_incidents += outcome.summary_as_incident
    if outcome.admin1 is not None:
        score.placed += 1
        score.placed_exact += outcome.admin1


def _describe(reports: list[IncidentReport]) -> str:
    parts = []
    for r in reports:
        figures = " ".join(
            f"{m}={getattr(r.casualties, m).describe()}"
            for m in MEASURES
            if getattr(r.casualties, m) is not None
        )
        parts.append(f"{r.kind.value}[{r.location.admin1 or '-'}] {figures}")
    return "; ".join(parts) or "nothing"


def _reference(file: str, row: dict[str, str]) -> datetime:
    if file.startswith("airwars"):
        return datetime.fromisoformat(row["date"]).replace(tzinfo=UTC) + timedelta(days=1)
    return datetime.strptime(row["article_date"], "%m/%d/%Y").replace(tzinfo=UTC)


def sentences(half: str, limit: int | None) -> Iterator[tuple[Label, str, datetime]]:
    halves = DEVELOPMENT if half == "dev" else (half,)
    labels = [lab for lab in load_labels() if lab.half in halves]
    texts: dict[str, list[dict[str, str]]] = {f: read_rows(f) for f in FILES}
    for label in labels[:limit] if limit else labels:
        row = texts[label.file][label.row]
        text = row[FILES[label.file]]
        if text_hash(text) != label.sha:
            raise SystemExit(f"{label.file} row {label.row} changed (hash): relabel it")
        yield label, text, _reference(label.file, row)


def score_sentences(half: str, limit: int | None) -> Score | None:
    if not all((DATA / f).exists() for f in FILES):
        print(f"skipped {half}: {', '.join(FILES)} not found in {DATA}")
        return None
    score = Score()
    started = time.perf_counter()
    for label, text, reported_at in sentences(half, limit):
        reports = extract(text, reported_at=reported_at, default_country="SYR")
        outcome = judge(label, reports)
        _add(score, outcome)
        if not outcome.records_exact or outcome.admin1 is False:
            score.errors.append(
                f"--- {label.file}:{label.row} want {label.kind} killed={label.killed} "
                f"injured={label.injured} children={label.children_killed} "
                f"women={label.women_killed} summary={label.summary_killed} "
                f"admin1={label.admin1} ({label.note})\n    got {_describe(reports)}\n    {text}"
            )
    score.seconds = time.perf_counter() - started
    return score


def _event_day(raw: str) -> datetime:
    """ACLED writes event dates as ISO or like "9-May-20"."""
    for fmt in ("%Y-%m-%d", "%d-%b-%y", "%d %B %Y"):
        try:
            return datetime.strptime(raw.strip(), fmt).replace(tzinfo=UTC)
        except ValueError:
            continue
    raise ValueError(f"unknown event_date format: {raw!r}")


def score_acled(limit: int | None, rows_of: str = "all") -> Score | None:
    path = DATA / "acled_notes_casualty_labeled.csv"
    if not path.exists():
        print(f"skipped acled: {path} not found (it lives beside the repository, not in it)")
        return None
    with path.open(encoding="utf-8", newline="") as f:
        rows = [r for r in csv.DictReader(f) if r["fatality_number_appears_in_text"] == "True"]
    if rows_of != "all":
        rows = rows[rows_of == "odd" :: 2]
    rows = rows[:limit] if limit else rows
    score = Score()
    started = time.perf_counter()
    for row in rows:
        day = _event_day(row["event_date"])
        country = next((code for code, _ in countries_named(row["country"])), None)
        reports = extract(
            row["notes"], reported_at=day + timedelta(days=1), default_country=country
        )
        label = int(row["fatalities_label"])
        got = killed_figure(reports)
        incidents = {r.incident_id for r in reports if r.kind is ReportKind.INCIDENT}
        summaries = [r for r in reports if r.kind is ReportKind.SUMMARY]
        exact = (got or 0) == label
        outcome = Outcome(
            killed_exact=exact,
            records_exact=exact and not summaries and len(incidents) <= 1,
            injured_exact=True,  # ACLED codes no injured nor children: not scored
            children_exact=True,
            false_incident=label == 0 and (got or 0) > 0,
            missed_incident=label > 0 and got is None,
            summary_as_incident=False,
            admin1=None,
        )
        _add(score, outcome)
        if not exact:
            score.errors.append(f"--- label {label}, extracted {got}\n    {row['notes']}")
    score.seconds = time.perf_counter() - started
    return score


def _pct(part: int, whole: int) -> str:
    return f"{part / whole:6.1%}" if whole else "   n/a"


def table(scores: dict[str, Score]) -> str:
    head = (
        f"{'set':24} {'texts':>6} {'killed':>7} {'injured':>7} {'child.':>7} {'records':>7} "
        f"{'false':>7} {'missed':>7} {'summ.':>7} {'admin1':>7} {'texts/s':>8}"
    )
    lines = [
        head,
        f"{'':24} {'':>6} {'exact':>7} {'exact':>7} {'killed':>7} {'exact':>7} {'incid.':>7} "
        f"{'incid.':>7} {'as inc.':>7} {'exact':>7}",
    ]
    for name, s in scores.items():
        acled = name.startswith("ACLED")
        summ = "     -" if acled else _pct(s.summaries_as_incidents, s.texts)
        injured = "-" if acled else _pct(s.injured_exact, s.texts)
        children = "-" if acled else _pct(s.children_exact, s.texts)
        lines.append(
            f"{name:24} {s.texts:6} {_pct(s.killed_exact, s.texts):>7} {injured:>7} {children:>7} "
            f"{_pct(s.records_exact, s.texts):>7} {_pct(s.false_incidents, s.texts):>7} "
            f"{_pct(s.missed_incidents, s.texts):>7} {summ:>7} "
            f"{_pct(s.placed_exact, s.placed):>7} {s.texts / max(s.seconds, 1e-9):8.0f}"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--set",
        action="append",
        choices=(
            "dev",
            "heldout",
            "dev-heldout1",
            "dev-heldout2",
            "dev-heldout3",
            "dev-heldout4",
            "dev-heldout5",
            "dev-heldout6",
            "acled",
            "acled-even",
            "acled-odd",
        ),
        help="which set(s) to score (repeatable; default: dev, heldout and acled)",
    )
    parser.add_argument("--limit", type=int, default=None, help="only the first N texts of a set")
    parser.add_argument(
        "--show-errors", type=int, default=0, metavar="K", help="print K wrong texts per set"
    )
    args = parser.parse_args(argv)
    chosen = args.set or ["dev", "heldout", "acled"]
    names = {
        "dev": "sentences: development",
        "heldout": "sentences: held-out",
        "dev-heldout1": "sentences: 1st held-out",
        "dev-heldout2": "sentences: 2nd held-out",
        "dev-heldout3": "sentences: 3rd held-out",
        "dev-heldout4": "sentences: 4th held-out",
        "dev-heldout5": "sentences: 5th held-out",
        "dev-heldout6": "sentences: 6th held-out",
        "acled": "ACLED notes",
        "acled-even": "ACLED notes (even rows)",
        "acled-odd": "ACLED notes (odd rows)",
    }
    scores: dict[str, Score] = {}
    for which in chosen:
        if which.startswith("acled"):
            score = score_acled(args.limit, which.partition("-")[2] or "all")
        else:
            score = score_sentences(which, args.limit)
        if score is not None:
            scores[names[which]] = score
    print(f"labels: {LABELS.relative_to(ROOT)}")
    print(table(scores))
    for name, s in scores.items():
        for error in s.errors[: args.show_errors]:
            print(f"[{name}] {error}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
