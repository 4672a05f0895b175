"""The hand-labelled sentence set: its keys, split and scoring (no shared data needed)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from schemas.reports import Casualties, Figure, IncidentReport, Location, ReportKind, Source
from scripts.accuracy_set import (
    BATCH6_SKIP,
    BATCH7_SKIP,
    DATA,
    DEVELOPMENT,
    FILES,
    FINAL_PER_FILE,
    HELDOUT,
    LABELS,
    Label,
    half_of,
    load_labels,
    read_rows,
    select,
    text_hash,
)
from scripts.extraction_accuracy import Score, judge, table


def test_labels_are_unique_enough_and_split_by_the_hash_rule() -> None:
    labels = load_labels(LABELS)
    assert len(labels) >= 200
    assert len({(lab.file, lab.row) for lab in labels}) == len(labels)
    assert {lab.file for lab in labels} == set(FILES)
    first = [lab for lab in labels if lab.half in ("dev", "dev-heldout1")]
    assert all(lab.half == half_of(lab.file, lab.row) for lab in first)
    halves = [lab.half for lab in first]
    assert 0.4 < halves.count("dev-heldout1") / len(halves) < 0.6
    heldout = [lab for lab in labels if lab.half == HELDOUT]
    fifth = [lab for lab in labels if lab.half == "dev-heldout5"]
    sixth = [lab for lab in labels if lab.half == "dev-heldout6"]
    assert len(heldout) == 372 and len(fifth) == len(sixth) == 390 and len(labels) == 1802
    for file in FILES:  # batches 5-7: the next rows of each file in hash order
        assert len([lab for lab in fifth if lab.file == file]) == FINAL_PER_FILE
        assert len([lab for lab in sixth if lab.file == file]) == FINAL_PER_FILE
        assert 0 < len([lab for lab in heldout if lab.file == file]) <= FINAL_PER_FILE
    assert all(lab.half in (*DEVELOPMENT, HELDOUT) for lab in labels)
    assert {lab.kind for lab in labels} == {"incident", "summary", "none"}
    assert all(len(lab.sha) == 12 for lab in labels)


@pytest.mark.skipif(
    not all((DATA / f).exists() for f in FILES), reason=f"the labelled files are not in {DATA}"
)
def test_the_heldout_set_is_the_next_rows_in_hash_order_and_unchanged() -> None:
    labels = load_labels(LABELS)
    for file, column in FILES.items():
        rows = read_rows(file)
        heldout = sorted(lab.row for lab in labels if lab.half == HELDOUT and lab.file == file)
        assert heldout == select(file, rows, FINAL_PER_FILE, BATCH7_SKIP)
        sixth = sorted(lab.row for lab in labels if lab.half == "dev-heldout6" and lab.file == file)
        assert sixth == select(file, rows, FINAL_PER_FILE, BATCH6_SKIP)
        for lab in labels:
            if lab.file == file:
                assert text_hash(rows[lab.row][column]) == lab.sha, (file, lab.row)


def label(**kw: object) -> Label:
    base: dict[str, object] = dict(
        file="f",
        row=0,
        sha="0" * 12,
        half="dev",
        kind="incident",
        killed=None,
        injured=None,
        children_killed=None,
        women_killed=None,
        summary_killed=None,
        admin1=None,
        note="",
    )
    base.update(kw)
    return Label(**base)  # type: ignore[arg-type]


def report(
    kind: ReportKind, killed: int, incident: str = "i1", admin1: str | None = None
) -> IncidentReport:
    day = datetime(2024, 12, 1, tzinfo=UTC)
    return IncidentReport(
        report_id=f"r-{incident}-{killed}",
        incident_id=incident,
        source=Source(name="s"),
        reported_at=day,
        occurred_at=day,
        location=Location(country="SYR", admin1=admin1),
        casualties=Casualties(killed=Figure.exact(killed)),
        kind=kind,
    )


def test_judge() -> None:
    good = judge(label(killed=5, admin1="Idlib"), [report(ReportKind.INCIDENT, 5, admin1="Idlib")])
    assert good.killed_exact and good.records_exact and good.admin1 is True
    assert not (good.false_incident or good.missed_incident or good.summary_as_incident)
    leaked = judge(label(kind="summary", summary_killed=56), [report(ReportKind.INCIDENT, 56)])
    assert leaked.summary_as_incident and leaked.false_incident and not leaked.killed_exact
    kept = judge(label(kind="summary", summary_killed=56), [report(ReportKind.SUMMARY, 56)])
    assert kept.records_exact and kept.killed_exact and not kept.false_incident
    missed = judge(label(killed=3), [])
    assert missed.missed_incident and not missed.killed_exact
    two = judge(
        label(killed=7), [report(ReportKind.INCIDENT, 3, "a"), report(ReportKind.INCIDENT, 4, "b")]
    )
    assert two.killed_exact  # two incidents add up
    same = judge(
        label(killed=4), [report(ReportKind.INCIDENT, 3, "a"), report(ReportKind.INCIDENT, 4, "a")]
    )
    assert same.killed_exact  # two sources of one incident do not


def test_table_prints_every_column() -> None:
    text = table({"sentences: development": Score(texts=2, killed_exact=1, seconds=1.0)})
    assert "killed" in text and "50.0%" in text and "texts/s" in text
