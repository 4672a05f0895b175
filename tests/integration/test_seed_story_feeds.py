"""Text and structured feeds meet on the real broker (issue 11, item 6): the sample feed
published as `make run` does, then the same wire story through `vigil extract --publish`
(a separate process, as a user runs it), through a running classifier and aggregator:
Idlib's killed_24h stays a warning (the White Helmets' figure told by two feeds is one
incident), where adding the two escalated it to critical."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import pytest

from schemas.alerts import Alert
from services.common.publisher import make_producer, publish_reports
from services.common.topics import Topics
from tests.integration.pipeline import read_topic, running, sample
from tests.support import wait_until
from tests.unit.test_extractor_seed import OWN_STORY
from tools.broker import EmbeddedBroker
from tools.demo.runner import SAMPLE_FEED, load_feed

pytestmark = pytest.mark.integration


def idlib_killed(values: list[bytes]) -> list[Alert]:
    alerts = [Alert.model_validate_json(v) for v in values]
    return [a for a in alerts if a.rule == "killed_24h" and a.group_key == "SYR/Idlib"]


async def test_the_sample_feed_and_the_extracted_story_are_one_incident_through_kafka(
    broker: EmbeddedBroker, topics: Topics, tmp_path: Path
) -> None:
    async with running(broker, topics, tmp_path, ("classifier", "aggregator")) as stack:
        producer = make_producer(broker.bootstrap)
        await producer.start()
        try:
            await publish_reports(producer, topics.reports, load_feed(SAMPLE_FEED))
        finally:
            await producer.stop()
        # the feed's Idlib toll fires the warning and is updated (25 -> 31 + Sarmin's 2)
        await read_topic(
            broker.bootstrap,
            topics.alerts,
            lambda v: any(a.value >= 33 for a in idlib_killed(v)),
            60,
        )
        story = tmp_path / "story.txt"
        story.write_text(OWN_STORY, encoding="utf-8")
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "tools.cli", "extract", str(story),
            "--reported-at", "2024-12-02T09:00:00+00:00", "--publish",
            "--bootstrap", broker.bootstrap, "--topic-prefix", topics.prefix,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        )  # fmt: skip
        out, err = await asyncio.wait_for(process.communicate(), 60)
        assert process.returncode == 0, err.decode()
        extracted = [line for line in out.decode().splitlines() if line.startswith("{")]
        assert extracted, out.decode()
        # every report of both feeds counted (their alerts are published before the count)
        feed = load_feed(SAMPLE_FEED)
        metrics = stack.urls["aggregator"]

        def consumed() -> float:
            return sample(metrics, "vigil_reports_consumed_total", outcome="ok") or 0.0

        wait_until(lambda: consumed() >= len(feed) + len(extracted), 60, "both feeds counted")
        escalated = sample(
            metrics,
            "vigil_alerts_total",
            rule="killed_24h",
            level="critical",
            transition="escalated",
        )
        assert not escalated
        values = await read_topic(
            broker.bootstrap, topics.alerts, lambda v: bool(idlib_killed(v)), 30
        )
        moves = [(a.transition.value, a.level, a.value) for a in idlib_killed(values)]
        assert moves and all(level != "critical" for _, level, _ in moves), moves
        assert max(value for *_, value in moves) == 33  # 31 (the revision) + Sarmin's 2
