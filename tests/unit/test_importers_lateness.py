"""What ``vigil import`` says before publishing: rows a live aggregator would refuse as
too late (against its clocks, moved on by the file's own rows) or from the future."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from services.common.eventtime import FutureGuard
from tests.factories import T0, report
from tests.unit.test_importers_cli import run
from tests.unit.test_importers_layouts import ACLED_HEADER, ACLED_ROW, csv_text
from tools.importers.lateness import LatenessCheck

DAY = 86400.0
WALL = datetime(2026, 1, 1, tzinfo=UTC).timestamp()


def check(clocks: dict[str, float] | None = None) -> LatenessCheck:
    return LatenessCheck(30 * DAY, clocks or {}, FutureGuard(), WALL)


def test_a_file_in_date_order_into_an_empty_stack_loses_nothing() -> None:
    c = check()
    for day in range(0, 90, 3):
        c.see(report(f"r{day}", hours=24 * day))
    assert c.too_late == {} and c.future == 0 and c.warning("acled", "f.csv") is None


def test_a_file_newest_first_refuses_its_own_older_rows() -> None:
    c = check()
    for day in range(90, -1, -3):  # newest first, as exports often are
        c.see(report(f"r{day}", hours=24 * day))
    assert c.too_late == {"SYR": 21}  # days 0..60 are 30 days or more behind day 90
    warning = c.warning("acled", "f.csv")
    assert warning is not None and "21 of 31 rows" in warning
    assert "not in date order" in warning and "vigil replay acled f.csv" in warning


def test_the_running_aggregators_clock_per_country() -> None:
    syria_now = T0.timestamp() + 100 * DAY
    c = check({"SYR": syria_now})
    c.see(report("old", hours=24 * 60))  # 40 days behind Syria's clock
    c.see(report("iraq", country="IRQ", region="Ninawa", hours=24 * 60))  # Iraq: no clock
    c.see(report("fresh", hours=24 * 95))
    assert c.too_late == {"SYR": 1}
    warning = c.warning("ucdp", "u.csv")
    assert warning is not None and "running aggregator's clocks (SYR 2025-03-11" in warning


def test_rows_from_the_future_are_counted_apart() -> None:
    c = check()
    c.see(report("typo", hours=24 * 365 * 18))  # 2042
    assert c.future == 1 and c.too_late == {}
    assert "1 rows lie more than 16h in the future" in (c.warning("acled", "f.csv") or "")


def test_dry_run_says_it_before_the_summary(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rows = [
        {**ACLED_ROW, "event_id_cnty": "SYR1", "event_date": "2020-05-09"},
        {**ACLED_ROW, "event_id_cnty": "SYR2", "event_date": "2020-03-01"},  # 69 days older
    ]
    path = tmp_path / "acled.csv"
    path.write_text(csv_text(ACLED_HEADER, rows), encoding="utf-8")
    assert run("import", "acled", str(path), "--dry-run") == 0
    out, err = capsys.readouterr()
    assert "warning: 1 of 2 rows are older than the lateness (30d) allows" in err
    assert f"vigil replay acled {path}" in err
    assert "accepted: 2" in out
