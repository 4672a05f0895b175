"""End to end on the real broker: sample feed in, the Idlib critical alert out, a dead
letter for a bad record, and the metrics on each service's HTTP endpoint."""

from __future__ import annotations

from pathlib import Path

import pytest

from schemas.alerts import Alert
from schemas.deadletters import DeadLetter
from services.common.deadletter import original_value
from services.common.publisher import make_producer, publish_reports
from services.common.topics import Topics
from tests.integration.pipeline import get_json, read_topic, running, sample
from tests.support import wait_until
from tools.broker import EmbeddedBroker
from tools.demo.runner import SAMPLE_FEED, load_feed

pytestmark = pytest.mark.integration
BAD = b'{"schema_version": 1, "report_id": "bad-1", "casualties": {"killed": -3}}'


async def test_seed_story_fires_idlib_critical_and_nothing_for_aleppo(
    broker: EmbeddedBroker, topics: Topics, tmp_path: Path
) -> None:
    async with running(broker, topics, tmp_path, ("classifier", "aggregator")) as stack:
        feed = load_feed(SAMPLE_FEED)
        producer = make_producer(broker.bootstrap)
        await producer.start()
        try:
            await publish_reports(producer, topics.reports, feed)
            await producer.send_and_wait(topics.reports, BAD, key=b"SYR")
        finally:
            await producer.stop()

        def critical(values: list[bytes]) -> bool:
            alerts = [Alert.model_validate_json(v) for v in values]
            return any(a.rule == "children_killed_24h" and a.level == "critical" for a in alerts)

        raw = await read_topic(broker.bootstrap, topics.alerts, critical, 60)
        alerts = [Alert.model_validate_json(v) for v in raw]
        fired = [a for a in alerts if a.rule == "children_killed_24h" and a.level == "critical"]
        assert fired, f"no critical alert; got {[a.summary for a in alerts]}"
        alert = fired[0]
        assert alert.group_key == "SYR/Idlib" and alert.transition.value == "fired"
        assert alert.value >= 10 and alert.threshold == 10
        assert alert.window_end.isoformat().startswith("2024-12-01")
        sources = {s.source for e in alert.evidence for s in e.sources}
        assert "White Helmets" in sources
        assert not [a for a in alerts if a.group_key.startswith("SYR/Aleppo")]

        letters = await read_topic(broker.bootstrap, topics.deadletters, bool, 30)
        letter = DeadLetter.model_validate_json(letters[0])
        assert letter.service == "classifier" and letter.error_type == "validation"
        assert "report_id" not in letter.reason or "incident_id" in letter.reason
        assert original_value(letter) == BAD

        classifier, aggregator = stack.urls["classifier"], stack.urls["aggregator"]
        wait_until(
            lambda: sample(classifier, "vigil_reports_consumed_total", outcome="ok") == len(feed),
            30,
            "classifier ok count",
        )
        assert sample(classifier, "vigil_reports_consumed_total", outcome="invalid") == 1
        assert sample(classifier, "vigil_deadletters_total", error_type="validation") == 1
        severe = sample(classifier, "vigil_incidents_classified_total", severity="critical")
        assert severe is not None and severe >= 1
        wait_until(
            lambda: sample(aggregator, "vigil_reports_ignored_total", reason="duplicate") == 1,
            30,
            "duplicate counted",
        )
        # the revision (at least 12 children) replaced the first figure (10), not added to it;
        # plus the Sarmin drone strike's 1 child, same governorate and day: 12 + 1
        assert (
            sample(
                aggregator,
                "vigil_window_value",
                rule="children_killed_24h",
                group="SYR/Idlib",
                measure="children_killed",
            )
            == 13
        )
        assert (
            sample(aggregator, "vigil_alerts_firing", rule="children_killed_24h", level="critical")
            == 1
        )
        assert (
            sample(
                aggregator,
                "vigil_alerts_total",
                rule="children_killed_24h",
                level="critical",
                transition="fired",
            )
            == 1
        )
        assert (sample(aggregator, "vigil_processing_latency_seconds_count") or 0) >= 1
        api = aggregator.removesuffix("/metrics")
        summaries = get_json(f"{api}/v1/summaries?country=SYR")
        kept = [s["report"]["report_id"] for s in summaries["summaries"]]
        assert kept == ["wh-20241202-summary"]  # kept and queryable, never counted (13, not 33)
        firing = get_json(f"{api}/v1/alerts")["firing"]
        assert {(f["rule"], f["group_key"]) for f in firing} >= {
            ("children_killed_24h", "SYR/Idlib")
        }
