"""``vigil deadletters list|redrive`` against the real broker: a dead letter is listed,
re-driven to its source topic with its original key and headers plus the redriven header,
or with a fixed value to another topic."""

from __future__ import annotations

import argparse
import asyncio
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from services.common.deadletter import REDRIVEN_HEADER, dead_letter
from services.common.kafka import create_topics
from services.common.publisher import make_producer
from services.common.topics import Topics
from tests.support import consume
from tools.broker import EmbeddedBroker
from tools.deadletters import cli

pytestmark = pytest.mark.integration

BAD_VALUE = b'{"report_id": "r1", "source": 42}'


def run(*argv: str) -> int:
    root = argparse.ArgumentParser(prog="vigil")
    cli.register(root.add_subparsers(dest="command", required=True))
    args = root.parse_args(list(argv))
    code: int = args.func(args)
    return code


async def produce_dead_letters(bootstrap: str, topics: Topics) -> None:
    await create_topics(bootstrap, [topics.deadletters, topics.reports])
    producer = make_producer(bootstrap)
    await producer.start()
    try:
        for offset, service in enumerate(["classifier", "aggregator"]):
            letter = dead_letter(
                service=service,
                reason="source: Input should be a valid dictionary",
                error_type="validation",
                topic=topics.reports,
                partition=0,
                offset=40 + offset,
                key=b"SYR",
                value=BAD_VALUE,
                headers=[("trace", b"abc")],
                now=datetime(2024, 12, 2, 8, 0, tzinfo=UTC),
            )
            await producer.send_and_wait(topics.deadletters, letter.model_dump_json().encode())
        await producer.send_and_wait(topics.deadletters, b"not json at all")
    finally:
        await producer.stop()


def test_list_and_redrive(
    broker: EmbeddedBroker,
    topic_prefix: str,
    topics: Topics,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    asyncio.run(produce_dead_letters(broker.bootstrap, topics))
    where = ("--bootstrap", broker.bootstrap, "--topic-prefix", topic_prefix, "--idle-timeout", "1")

    assert run("deadletters", "list", *where) == 0
    out, err = capsys.readouterr()
    assert "0:0  2024-12-02T08:00:00Z  classifier" in out
    assert f"{topics.reports}[0]@40  validation: source: Input should be" in out
    assert 'value: {"report_id": "r1", "source": 42}' in out
    assert "0:2" in out and "not a DeadLetter" in out
    assert "3 dead letter(s) shown of 3 record(s)" in err

    assert run("deadletters", "list", *where, "--service", "aggregator", "--json") == 0
    lines = capsys.readouterr().out.splitlines()
    shown = [json.loads(line) for line in lines]
    assert [(e["offset"], e.get("dead_letter", {}).get("service")) for e in shown] == [
        (1, "aggregator"),
        (2, None),
    ]

    assert run("deadletters", "redrive", *where, "--offset", "0") == 0
    assert f"redrove dead letter 0 -> {topics.reports}" in capsys.readouterr().out
    [record] = asyncio.run(consume(broker.bootstrap, topics.reports, 1))
    assert (record.key, record.value) == (b"SYR", BAD_VALUE)
    assert list(record.headers) == [("trace", b"abc"), (REDRIVEN_HEADER, b"0")]

    fixed = tmp_path / "fixed.json"
    fixed.write_bytes(b'{"fixed": true}')
    other = topic_prefix + "fixed"
    assert (
        run(
            "deadletters",
            "redrive",
            *where,
            "--offset",
            "1",
            "--value-file",
            str(fixed),
            "--to-topic",
            other,
        )
        == 0
    )
    [moved] = asyncio.run(consume(broker.bootstrap, other, 1))
    assert (moved.key, moved.value) == (b"SYR", b'{"fixed": true}')
    assert dict(moved.headers)[REDRIVEN_HEADER] == b"1"


def test_redrive_reports_offsets_it_cannot_find(
    broker: EmbeddedBroker,
    topic_prefix: str,
    topics: Topics,
    capsys: pytest.CaptureFixture[str],
) -> None:
    asyncio.run(produce_dead_letters(broker.bootstrap, topics))
    where = ("--bootstrap", broker.bootstrap, "--topic-prefix", topic_prefix, "--idle-timeout", "1")
    assert run("deadletters", "redrive", *where, "--offset", "2", "--offset", "99") == 1
    err = capsys.readouterr().err
    assert "skipped: offset 2: not a DeadLetter" in err
    assert "no dead letter at" in err and "offset 99" in err
    assert (
        run("deadletters", "redrive", *where, "--offset", "0", "--offset", "1", "--value-file", "x")
        == 2
    )
