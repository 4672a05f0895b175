"""``vigil import`` against the real broker: reports land on the reports topic keyed by
country, with the same report ids on a re-import."""

from __future__ import annotations

import argparse
import asyncio
import json
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
from aiokafka.admin import AIOKafkaAdminClient

from schemas.reports import IncidentReport
from services.aggregator.domain.clock import Clock
from services.aggregator.state import changelog_topic
from services.common.kafka import create_topics
from services.common.publisher import make_producer
from services.common.topics import Topics
from tests.support import consume
from tests.unit.test_importers_layouts import ACLED_HEADER, ACLED_ROW, csv_text
from tools.broker import EmbeddedBroker
from tools.importers import cli

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
    from tools.broker import free_port

    path = tmp_path / "acled.csv"
    path.write_text(csv_text(ACLED_HEADER, [ACLED_ROW]), encoding="utf-8")
    started = time.monotonic()
    code = run("import", "acled", str(path), "--bootstrap", f"127.0.0.1:{free_port()}")
    assert code == 1
    assert "cannot reach Kafka" in capsys.readouterr().err
    assert time.monotonic() - started < 30


def test_import_into_a_live_stack_warns_what_the_lateness_will_refuse(
    broker: EmbeddedBroker,
    topic_prefix: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The running aggregator's clock per country comes from its changelog; a topic that
    does not exist is not created by looking for it."""
    app_prefix = f"{topic_prefix}vigil"
    monkeypatch.setenv("VIGIL_APP_ID_PREFIX", app_prefix)
    clocks = changelog_topic(app_prefix, "clocks")
    path = tmp_path / "acled.csv"
    rows = [ACLED_ROW, {**ACLED_ROW, "event_id_cnty": "SYR90002", "event_date": "2020-05-08"}]
    path.write_text(csv_text(ACLED_HEADER, rows), encoding="utf-8")
    argv = [str(a) for a in ("import", "acled", path, "--bootstrap", broker.bootstrap)]
    argv += ["--topic-prefix", topic_prefix]

    assert run(*argv) == 0  # no aggregator yet: nothing to warn about
    assert "older than the lateness" not in capsys.readouterr().err
    assert clocks not in asyncio.run(list_topics(broker.bootstrap))

    asyncio.run(create_topics(broker.bootstrap, [clocks]))
    syria_now = datetime(2020, 7, 1, tzinfo=UTC).timestamp()
    clock = Clock(syria_now, syria_now, time.time()).to_json()
    asyncio.run(produce(broker.bootstrap, clocks, b"SYR", json.dumps({"p": 0, **clock}).encode()))
    assert run(*argv) == 0
    err = capsys.readouterr().err
    assert "warning: 2 of 2 rows are older than the lateness (30d) allows" in err
    assert "running aggregator's clocks (SYR 2020-07-01T00:00:00Z)" in err
    assert f"vigil replay acled {path}" in err


async def list_topics(bootstrap: str) -> set[str]:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        return set(await admin.list_topics())
    finally:
        await admin.close()


async def produce(bootstrap: str, topic: str, key: bytes, value: bytes) -> None:
    producer = make_producer(bootstrap)
    await producer.start()
    try:
        await producer.send_and_wait(topic, value, key=key)
    finally:
        await producer.stop()
