"""``vigil link`` / ``vigil unlink`` through a real ingest service to the links topic of a
real broker, and ``vigil links export``: the decisions that stand, one per pair (the
later; an unlink on a tie), as JSON lines for ``vigil replay --links``."""

from __future__ import annotations

import argparse
import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient, TestServer
from prometheus_client import CollectorRegistry
from pydantic import SecretStr

from schemas.links import LinkAction, LinkDecision
from services.common.kafka import create_topics
from services.common.publisher import make_producer
from services.common.topics import Topics
from services.ingest.app import build_app
from services.ingest.metrics import IngestMetrics
from services.ingest.settings import IngestSettings
from tools.broker import EmbeddedBroker
from tools.links import cli
from tools.replay.cli import read_decisions

pytestmark = pytest.mark.integration

TOKEN = "links-token"


def vigil(*argv: str) -> int:
    root = argparse.ArgumentParser(prog="vigil")
    cli.register(root.add_subparsers(dest="command", required=True))
    args = root.parse_args(list(argv))
    code: int = args.func(args)
    return code


@pytest.fixture
async def ingest_url(broker: EmbeddedBroker, topics: Topics) -> AsyncIterator[str]:
    await create_topics(broker.bootstrap, [topics.links])
    settings = IngestSettings(
        tokens=[SecretStr(TOKEN)], kafka_bootstrap=broker.bootstrap, topic_prefix=topics.prefix
    )
    producer = make_producer(settings.kafka_bootstrap, request_timeout_ms=5000)
    client = TestClient(
        TestServer(build_app(settings, producer, IngestMetrics(CollectorRegistry())))
    )
    await client.start_server()
    try:
        yield str(client.make_url("")).rstrip("/")
    finally:
        await client.close()


async def test_link_unlink_and_export(
    ingest_url: str,
    broker: EmbeddedBroker,
    topics: Topics,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    auth = ("--url", ingest_url, "--token", TOKEN)

    async def say(*argv: str) -> int:
        return await asyncio.to_thread(vigil, *argv)

    assert await say("link", "SYR", "airwars:1", "ucdp:7", "--analyst", "ana", "--reason",
                     "Harasta, 9 children either way", *auth) == 0  # fmt: skip
    answer = LinkDecision.model_validate_json(capsys.readouterr().out)
    assert answer.action is LinkAction.LINK and answer.pair == ("airwars:1", "ucdp:7")
    assert await say("link", "SYR", "airwars:1", "ucdp:9", "--analyst", "ana", *auth) == 0
    assert await say("unlink", "SYR", "ucdp:9", "airwars:1", "--analyst", "bo", *auth) == 0
    capsys.readouterr()

    # refusals: a wrong token, one incident twice, no ingest URL
    assert await say("link", "SYR", "a:1", "b:1", "--analyst", "x", "--url", ingest_url,
                     "--token", "wrong") == 1  # fmt: skip
    assert "refused (403)" in capsys.readouterr().err
    assert await say("link", "SYR", "a:1", "a:1", "--analyst", "x", *auth) == 1
    assert "two different incidents" in capsys.readouterr().err
    assert await say("unlink", "SYR", "a:1", "b:1", "--analyst", "x", "--token", TOKEN) == 2
    assert "--url" in capsys.readouterr().err

    out = tmp_path / "links.jsonl"
    export = ("links", "export", str(out), "--bootstrap", broker.bootstrap)
    assert await say(*export, "--topic-prefix", topics.prefix) == 0
    decisions = read_decisions(out)  # what vigil replay --links reads
    assert [(d.pair, d.action, d.analyst) for d in decisions] == [
        (("airwars:1", "ucdp:7"), LinkAction.LINK, "ana"),
        (("airwars:1", "ucdp:9"), LinkAction.UNLINK, "bo"),  # the later word stands
    ]
    assert decisions[0].reason == "Harasta, 9 children either way"
    assert "wrote 2 decision(s)" in capsys.readouterr().err

    assert await say("links", "export", "-", "--bootstrap", broker.bootstrap, "--topic-prefix",
                     topics.prefix + "empty.") == 0  # fmt: skip
    assert capsys.readouterr().out == ""  # no links topic yet: no decision
    lines = out.read_text(encoding="utf-8").splitlines()
    assert all(json.loads(line)["country"] == "SYR" for line in lines)
