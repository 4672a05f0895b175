"""The import command without a broker: file and layout errors, dry-run summary, rate
pacing with an injected clock, and --help documenting the mapping."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from schemas.reports import IncidentReport
from tests.unit.test_importers_layouts import (
    ACLED_HEADER,
    ACLED_ROW,
    AIRWARS_HEADER,
    AIRWARS_ROW,
    csv_text,
    read_rows,
)
from tools.importers import airwars, cli
from tools.importers.fields import Rejected
from tools.importers.pacing import TokenBucket, batch_size
from tools.importers.summary import ImportSummary


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog="vigil")
    cli.register(root.add_subparsers(dest="command", required=True))
    return root


def run(*argv: str) -> int:
    args = parser().parse_args(list(argv))
    code: int = args.func(args)
    return code


@pytest.fixture
def acled_file(tmp_path: Path) -> Path:
    rows = [
        ACLED_ROW,
        {**ACLED_ROW, "event_id_cnty": "SYR90002", "event_date": "2020-05-08"},
        {**ACLED_ROW, "event_id_cnty": "SYR90003", "event_date": ""},
        {**ACLED_ROW, "event_id_cnty": "SYR90004", "country": "Narnia"},
        {**ACLED_ROW, "event_id_cnty": "SYR90005", "country": "Narnia"},
        {**ACLED_ROW, "event_id_cnty": "UKR1", "country": "Ukraine", "admin1": "Donetsk"},
    ]
    path = tmp_path / "acled.csv"
    path.write_text(csv_text(ACLED_HEADER, rows), encoding="utf-8")
    return path


def test_dry_run_summary(acled_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run("import", "acled", str(acled_file), "--dry-run") == 0
    out, err = capsys.readouterr()
    assert "acled: 6 rows in" in out and "dry run, nothing published" in out
    assert "accepted: 3  (top countries: SYR 2, UKR 1)" in out
    assert "rejected: 3" in out
    assert "2  unknown_country: e.g. rows 4, 5: unknown country 'Narnia'" in out
    assert "1  missing_event_date: e.g. row 3: event_date is blank" in out
    assert "6/6  100%" in err  # the progress bar, on stderr


def test_limit(acled_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run("import", "acled", str(acled_file), "--dry-run", "--limit", "2") == 0
    assert "acled: 2 rows" in capsys.readouterr().out


def test_missing_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run("import", "ucdp", str(tmp_path / "nope.csv"), "--dry-run") == 2
    assert "nope.csv: no such file" in capsys.readouterr().err


def test_wrong_layout_names_the_missing_columns(
    acled_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run("import", "ucdp", str(acled_file), "--dry-run") == 2
    err = capsys.readouterr().err
    assert "wrong layout, missing column(s): id, start_date, end_date, location_root_name" in err


@pytest.mark.parametrize("rate", ["0", "-5", "fast", "inf"])
def test_bad_rate(acled_file: Path, rate: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        run("import", "acled", str(acled_file), "--rate", rate)
    assert exit_.value.code == 2
    assert "--rate" in capsys.readouterr().err


def test_help_documents_the_mapping(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        run("import", "airwars", "--help")
    out = capsys.readouterr().out
    assert "children_killed_min/max" in out and "Contested -> disputed" in out


def test_token_bucket_paces_to_the_rate() -> None:
    bucket = TokenBucket(rate=10, now=0.0)  # burst: one second's worth
    assert bucket.reserve(10, now=0.0) == 0.0
    assert bucket.reserve(5, now=0.0) == pytest.approx(0.5)
    assert bucket.reserve(5, now=0.5) == pytest.approx(0.5)
    assert bucket.reserve(1, now=2.0) == 0.0
    with pytest.raises(ValueError):
        TokenBucket(rate=0, now=0.0)


def test_batch_size() -> None:
    assert batch_size(None) == 500
    assert batch_size(5) == 1
    assert batch_size(1000) == 100
    assert batch_size(1e9) == 500


async def test_run_import_publishes_in_batches_at_the_rate(tmp_path: Path) -> None:
    rows = [{**AIRWARS_ROW, "airwars_id": str(i), "incident_code": f"RS{i}"} for i in range(50)]
    rows.append({**AIRWARS_ROW, "date": ""})
    results = list(airwars.rows_to_reports(read_rows(csv_text(AIRWARS_HEADER, rows))))
    now = [0.0]
    sleeps: list[float] = []
    batches: list[list[IncidentReport]] = []

    async def sleep(seconds: float) -> None:
        sleeps.append(seconds)
        now[0] += seconds

    async def publish(reports: list[IncidentReport]) -> int:
        batches.append(reports)
        return len(reports)

    summary = ImportSummary("airwars")
    await cli.run_import(
        results,
        summary,
        publish=publish,
        batch=batch_size(20),
        bucket=TokenBucket(20, 0.0),
        clock=lambda: now[0],
        sleep=sleep,
    )
    assert [len(b) for b in batches] == [2] * 25
    assert summary.accepted == summary.published == 50
    assert summary.rejected["missing_date"].rows == [51]
    # 50 reports at 20/s with a 20-report burst: the last batch waits until t = 1.5 s
    assert now[0] == pytest.approx(1.5)
    assert all(s > 0 for s in sleeps)


def test_summary_lists_top_reasons_with_examples() -> None:
    summary = ImportSummary("ucdp")
    for row in range(1, 10):
        summary.reject(Rejected(row, "bad_figure", f"deaths_low {row} is above deaths_high 0"))
    summary.reject(Rejected(10, "missing_date", "start_date and end_date are blank"))
    text = summary.render(2.0, dry_run=True)
    assert "rejected: 10" in text
    assert (
        "9  bad_figure: e.g. rows 1, 2, 3, 4, 5, ...: deaths_low 1 is above deaths_high 0" in text
    )
    assert text.index("bad_figure") < text.index("missing_date")
