"""Nothing is dropped silently, end to end on the real broker: a report from the future,
a re-used report_id with other content and a report too late for its country's clock
each become a dead letter with the reason and the original bytes, counted by reason;
``vigil deadletters list --reason`` lists them, ``export`` takes the too-late ones out as
JSON lines and ``vigil replay jsonl`` replays them."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from pathlib import Path

import pytest

from schemas.reports import IncidentReport
from services.common.publisher import make_producer, publish_reports
from services.common.topics import Topics
from tests.factories import report
from tests.integration.pipeline import running, sample
from tests.support import wait_until
from tools.broker import EmbeddedBroker
from tools.cli import build_parser

pytestmark = pytest.mark.integration


async def run(*argv: str) -> int:
    """``vigil ARGV`` (it runs its own event loop: in a thread)."""
    args: argparse.Namespace = build_parser().parse_args(list(argv))
    code: int = await asyncio.to_thread(args.func, args)
    return code


async def test_refused_reports_are_listed_exported_and_replayable(
    broker: EmbeddedBroker,
    topics: Topics,
    topic_prefix: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    first = report("wh-1", "i1", killed=5, children=3)
    reports = [
        first,
        report("wh-1", "i1", killed=30, children=3),  # the id again, other figures: conflict
        report("wh-2042", "i2", killed=80, hours=24 * 366 * 18),  # year typo: future
        report("wh-new", "i3", killed=2, hours=24 * 45),  # moves SYR's clock 45 days on
        report("wh-old", "i4", children=12, hours=24 * 2),  # 43 days behind: too late
        IncidentReport.model_validate_json(first.model_dump_json()),  # an exact copy
    ]
    async with running(broker, topics, tmp_path, ("classifier", "aggregator")) as stack:
        producer = make_producer(broker.bootstrap)
        await producer.start()
        try:
            await publish_reports(producer, topics.reports, reports)
        finally:
            await producer.stop()
        aggregator, classifier = stack.urls["aggregator"], stack.urls["classifier"]

        def ignored(url: str, reason: str) -> float:
            return sample(url, "vigil_reports_ignored_total", reason=reason) or 0.0

        wait_until(
            lambda: sample(aggregator, "vigil_reports_consumed_total", outcome="ok") == 5,
            60,
            "the aggregator to judge five reports",
        )
        assert ignored(classifier, "future") == 1
        for reason in ("conflict", "too_late", "duplicate"):
            assert ignored(aggregator, reason) == 1, reason

    where = ["--bootstrap", broker.bootstrap, "--topic-prefix", topic_prefix]
    where += ["--idle-timeout", "1"]
    for reason, service, needle in [
        ("future", "classifier", "occurred_at 2042-"),
        ("conflict", "aggregator", "report_id 'wh-1' was already accepted in SYR"),
        ("too_late", "aggregator", "behind the event-time clock of SYR"),
    ]:
        assert await run("deadletters", "list", *where, "--reason", reason, "--json") == 0
        [line] = capsys.readouterr().out.splitlines()
        letter = json.loads(line)["dead_letter"]
        assert (letter["service"], letter["error_type"]) == (service, reason)
        assert needle in letter["reason"]

    exported = tmp_path / "too_late.jsonl"
    assert await run("deadletters", "export", *where, str(exported)) == 0
    assert f"vigil replay jsonl {exported}" in capsys.readouterr().err
    [line] = exported.read_text(encoding="utf-8").splitlines()
    assert IncidentReport.model_validate_json(line) == reports[4]

    out = tmp_path / "alerts.jsonl"
    rules = tmp_path / "rules.yaml"
    rules.write_text(
        "rules:\n  - {name: children, measure: children_killed, window: 24h,"
        " levels: [{name: critical, threshold: 10}]}\n",
        encoding="utf-8",
    )
    replay = ["replay", "jsonl", str(exported), "--rules", str(rules), "--json", str(out)]
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "tools.cli", *replay, "--bootstrap", broker.bootstrap,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    stdout, stderr = await asyncio.wait_for(process.communicate(), 90)
    assert process.returncode == 0, stderr.decode()
    summary = stdout.decode()
    assert "published:               1 (event-time order)" in summary
    [alert] = [json.loads(x) for x in out.read_text(encoding="utf-8").splitlines()]
    assert (alert["rule"], alert["group_key"], alert["value"]) == ("children", "SYR/Idlib", 12)
