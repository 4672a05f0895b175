"""Free text to alert on the real broker: a wire story on the raw-text topic becomes
incident reports (extractor), is classified and counted, and fires the Idlib alert;
text that is not UTF-8, or whose claims cannot be placed, becomes a dead letter."""

from __future__ import annotations

from pathlib import Path

import pytest

from schemas.alerts import Alert
from schemas.deadletters import DeadLetter
from schemas.reports import IncidentReport, ReportKind
from services.common.publisher import make_producer
from services.common.topics import Topics
from tests.integration.pipeline import read_topic, running, sample
from tests.support import wait_until
from tools.broker import EmbeddedBroker

pytestmark = pytest.mark.integration

STORY = (
    "BEIRUT, Dec 2 - At least 25 people, including 10 children, were killed in northern "
    "Syria on Dec 1 as air strikes by the Syrian government and its ally Russia targeted "
    "Idlib, according to the White Helmets, a rescue group. Since Nov 27, air strikes have "
    "killed at least 56 people, including 20 children, the group said."
)
UNPLACED = "At least 12 people were killed on Monday, officials said."


async def test_wire_story_becomes_an_alert(
    broker: EmbeddedBroker, topics: Topics, tmp_path: Path
) -> None:
    async with running(
        broker, topics, tmp_path, ("extractor", "classifier", "aggregator")
    ) as stack:
        producer = make_producer(broker.bootstrap)
        await producer.start()
        try:
            stamp = [("vigil-reported-at", b"2024-12-02T08:00:00+00:00")]
            await producer.send_and_wait(topics.raw_text, STORY.encode(), headers=stamp)
            await producer.send_and_wait(topics.raw_text, b"\xff\xfe broken", headers=stamp)
            await producer.send_and_wait(topics.raw_text, UNPLACED.encode(), headers=stamp)
        finally:
            await producer.stop()

        raw = await read_topic(broker.bootstrap, topics.reports, lambda v: len(v) >= 2, 60)
        reports = [IncidentReport.model_validate_json(v) for v in raw]
        incident = next(r for r in reports if r.kind is ReportKind.INCIDENT)
        assert incident.location.admin1 == "Idlib" and incident.source.name == "White Helmets"
        assert [r.kind for r in reports].count(ReportKind.SUMMARY) == 1

        def critical(values: list[bytes]) -> bool:
            return any(Alert.model_validate_json(v).level == "critical" for v in values)

        alerts = [
            Alert.model_validate_json(v)
            for v in await read_topic(broker.bootstrap, topics.alerts, critical, 60)
        ]
        fired = [a for a in alerts if a.rule == "children_killed_24h"]
        assert fired and fired[0].group_key == "SYR/Idlib" and fired[0].value == 10

        letters = await read_topic(broker.bootstrap, topics.deadletters, lambda v: len(v) >= 2, 30)
        kinds = sorted(DeadLetter.model_validate_json(v).error_type for v in letters)
        assert kinds == ["decode", "unplaced"]

        url = stack.urls["extractor"]
        wait_until(
            lambda: sample(url, "vigil_extractor_texts_total", outcome="unplaced") == 1,
            30,
            "unplaced text counted",
        )
        assert sample(url, "vigil_extracted_reports_total", kind="summary") == 1
        assert sample(url, "vigil_deadletters_total", error_type="decode") == 1
