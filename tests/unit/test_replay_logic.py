"""``vigil replay`` without a broker: LAYOUT FILE pairs, JSONL files, several files merged
in event-time order, --since/--until, the guard judged against the history, and the
output streams (--json - puts Alert JSON lines on stdout, the rest on stderr)."""

from __future__ import annotations

import argparse
import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from schemas.alerts import Alert
from schemas.reports import IncidentReport
from tests.factories import report
from tests.unit.test_importers_layouts import AIRWARS_HEADER, AIRWARS_ROW, csv_text
from tools.replay import cli
from tools.replay.logic import (
    FileResult,
    Input,
    InputError,
    collect,
    jsonl_reports,
    parse_inputs,
    prepare,
)
from tools.replay.runner import ReplayResult


def test_layout_file_pairs() -> None:
    assert parse_inputs(["airwars", "A.csv", "ucdp", "B.csv"]) == [
        Input("airwars", Path("A.csv")),
        Input("ucdp", Path("B.csv")),
    ]
    for bad in ([], ["airwars"], ["airwars", "A.csv", "ucdp"], ["excel", "A.xlsx"]):
        with pytest.raises(InputError):
            parse_inputs(bad)


def test_jsonl_lines_are_reports_or_rejections_with_their_line() -> None:
    good = report("r1", killed=3).model_dump_json()
    results = list(jsonl_reports([good, "", "{not json", '{"report_id": "x"}', good]))
    assert [type(r).__name__ for r in results] == [
        "IncidentReport",
        "Rejected",
        "Rejected",
        "IncidentReport",
    ]
    assert [(r.row, r.kind) for r in results if not isinstance(r, IncidentReport)] == [
        (3, "bad_json"),
        (4, "invalid_report"),
    ]


def files(*groups: list[IncidentReport]) -> list[FileResult]:
    return [collect(Input("jsonl", Path(f"f{n}.jsonl")), g) for n, g in enumerate(groups)]


def test_files_merge_in_event_time_order_stable_within_a_time() -> None:
    a = [report("a-late", hours=30), report("a-early", hours=2), report("a-same", hours=10)]
    b = [report("b-same", hours=10), report("b-first", hours=1)]
    prepared = prepare(files(a, b))
    assert [r.report_id for r in prepared.reports] == [
        "b-first",
        "a-early",
        "a-same",  # same event time: command-line order, then file order
        "b-same",
        "a-late",
    ]
    assert prepared.rows == 5 and prepared.rejected == 0


def test_since_until_keep_incident_days_inclusive() -> None:
    days = [report(f"d{d}", hours=24 * d + 5) for d in range(5)]  # Dec 1 .. Dec 5
    prepared = prepare(files(days), since=date(2024, 12, 2), until=date(2024, 12, 4))
    assert [r.report_id for r in prepared.reports] == ["d1", "d2", "d3"]
    assert prepared.outside == 2


def test_future_is_judged_against_the_history_not_the_machine() -> None:
    ahead = report("ahead", hours=48, reported_hours=-20)  # 20 h after it was issued
    fine = report("fine", hours=24 * 365 * 30)  # 2054, and reported after it happened
    prepared = prepare(files([ahead, fine]))
    assert [r.report_id for r in prepared.reports] == ["fine"]
    [(refused, reason)] = prepared.future
    assert refused.report_id == "ahead" and "after its own reported_at" in reason


def fake_result(alerts: list[Alert]) -> ReplayResult:
    return ReplayResult(
        published=1,
        alerts=alerts,
        consumed=1,
        deadletters=0,
        seconds=1.0,
        ignored={"duplicate": 2},
        phases={"start": 0.1},
    )


def some_alert() -> Alert:
    from services.aggregator.domain.countries import Countries
    from services.aggregator.domain.engine import EngineConfig
    from services.aggregator.domain.rules import parse_rules
    from tests.factories import classified

    rules = parse_rules(
        "rules:\n  - {name: r, measure: killed, window: 24h, levels: [{name: w, threshold: 5}]}\n"
    )
    engine = Countries(EngineConfig(rules=rules))
    [alert] = engine.process(classified(report("x", killed=9)), 0.0).transitions
    return alert


def run_cli(argv: list[str], monkeypatch: pytest.MonkeyPatch, alerts: list[Alert]) -> int:
    async def fake_replay(reports: list[IncidentReport], **kwargs: Any) -> ReplayResult:
        assert [r.incident_id for r in reports] == ["airwars:AW-1"]
        return fake_result(alerts)

    monkeypatch.setattr(cli, "replay", fake_replay)
    root = argparse.ArgumentParser(prog="vigil")
    cli.register(root.add_subparsers(dest="command", required=True))
    args = root.parse_args(argv)
    code: int = args.func(args)
    return code


@pytest.fixture
def airwars_file(tmp_path: Path) -> Path:
    path = tmp_path / "airwars.csv"
    rows = [{**AIRWARS_ROW, "incident_code": "AW-1"}, {**AIRWARS_ROW, "date": ""}]
    path.write_text(csv_text(AIRWARS_HEADER, rows), encoding="utf-8")
    return path


def test_json_dash_puts_alert_lines_on_stdout_and_the_rest_on_stderr(
    airwars_file: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    alert = some_alert()
    assert (
        run_cli(["replay", "airwars", str(airwars_file), "--json", "-"], monkeypatch, [alert]) == 0
    )
    out, err = capsys.readouterr()
    assert [Alert.model_validate_json(line) for line in out.splitlines()] == [alert]
    assert "ALERT #1" in err and "published:               1" in err
    assert "changed nothing:         duplicate 2" in err
    assert "airwars airwars.csv: 2 rows, 1 reports, 1 rejected" in err


def test_human_output_on_stdout_and_json_to_a_file(
    airwars_file: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    alert = some_alert()
    out_file = tmp_path / "alerts.jsonl"
    argv = ["replay", "airwars", str(airwars_file), "--json", str(out_file)]
    assert run_cli(argv, monkeypatch, [alert]) == 0
    out, _ = capsys.readouterr()
    assert "ALERT #1" in out and f"wrote 1 alert transitions to {out_file}" in out
    [line] = out_file.read_text(encoding="utf-8").splitlines()
    assert json.loads(line)["fingerprint"] == alert.fingerprint


def test_bad_arguments_are_clear_errors(
    airwars_file: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run_cli(["replay", "airwars"], monkeypatch, []) == 2
    assert "expected LAYOUT FILE pairs" in capsys.readouterr().err
    assert run_cli(["replay", "ucdp", str(airwars_file)], monkeypatch, []) == 2
    assert "wrong layout, missing column(s)" in capsys.readouterr().err
    argv = [
        "replay",
        "airwars",
        str(airwars_file),
        "--since",
        "2020-02-01",
        "--until",
        "2020-01-01",
    ]
    assert run_cli(argv, monkeypatch, []) == 2
    assert "is after --until" in capsys.readouterr().err
