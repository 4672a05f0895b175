"""``vigil import`` against the real broker: reports land on the reports topic keyed by
country, with the same report ids on a re-import."""

from __future__ import annotations

import argparse
import asyncio
import time
from pathlib import Path

import pytest

from schemas.reports import IncidentReport
from services.common.broker import EmbeddedBroker
from services.common.topics import Topics
from services.importers import cli
from tests.integration.pipeline import consume
from tests.unit.test_importers_layouts import ACLED_HEADER, ACLED_ROW, csv_text

pytestmark = pytest.mark.integration


def run(*argv: str) -> int:
    root = argparse.ArgumentParser(prog="vigil")
    cli.register(root.add_subparsers(dest="command", required=True))
    args = root.parse_args(list(argv))
    code: int = args.func(args)
    return code


def test_import_publishes_keyed_by_country(
    broker: EmbeddedBroker,
    topic_prefix: str,
    topics: Topics,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    rows = [
        ACLED_ROW,
        {**ACLED_ROW, "event_id_cnty": "SYR90002", "event_date": "2020-05-08"},
        {**ACLED_ROW, "event_id_cnty": "UKR1", "country": "Ukraine", "admin1": "Donetsk"},
        {**ACLED_ROW, "event_id_cnty": "X1", "country": "Narnia"},
    ]
    path = tmp_path / "acled.csv"
    path.write_text(csv_text(ACLED_HEADER, rows), encoding="utf-8")
    argv = (
        "import",
        "acled",
        str(path),
        "--bootstrap",
        broker.bootstrap,
        "--topic-prefix",
        topic_prefix,
        "--rate",
        "100",
    )

    assert run(*argv) == 0
    out = capsys.readouterr().out
    assert "published 3 to the reports topic" in out and "rejected: 1" in out

    records = asyncio.run(consume(broker.bootstrap, topics.reports, 3))
    reports = [IncidentReport.model_validate_json(r.value) for r in records]
    assert [r.key for r in records] == [b"SYR", b"SYR", b"UKR"]
    assert [r.location.country for r in reports] == ["SYR", "SYR", "UKR"]
    assert reports[0].incident_id == "acled:SYR90001"

    assert run(*argv) == 0  # a re-import repeats the very same report ids
    again = asyncio.run(consume(broker.bootstrap, topics.reports, 6))
    ids = [IncidentReport.model_validate_json(r.value).report_id for r in again]
    assert ids[3:] == ids[:3]


def test_unreachable_broker_is_a_clear_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from services.common.broker import free_port

    path = tmp_path / "acled.csv"
    path.write_text(csv_text(ACLED_HEADER, [ACLED_ROW]), encoding="utf-8")
    started = time.monotonic()
    code = run("import", "acled", str(path), "--bootstrap", f"127.0.0.1:{free_port()}")
    assert code == 1
    assert "cannot reach Kafka" in capsys.readouterr().err
    assert time.monotonic() - started < 30
