"""Pure notifier rules: payload per channel, filters, retry schedule, offset tracking."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from schemas.alerts import Alert, Transition
from services.notifier.domain.filters import SeqFilter, passes_min_level
from services.notifier.domain.offsets import OffsetTracker
from services.notifier.domain.payloads import (
    alertmanager_payload,
    pagerduty_payload,
    webhook_payload,
)
from services.notifier.domain.retry import Outcome, RetryPolicy, classify_status
from services.notifier.domain.slack import slack_payload
from services.notifier.samples import sample_alert

NOW = datetime(2024, 12, 2, 9, 30, tzinfo=UTC)
WEEK = timedelta(days=7)

FIRED = sample_alert()
ESCALATED = sample_alert(
    seq=2, transition=Transition.ESCALATED, level="critical", previous_level="warning"
)
RESOLVED = sample_alert(seq=3, transition=Transition.RESOLVED, previous_level="critical", value=3)


RENDERERS: dict[str, Callable[[Alert], Any]] = {
    "webhook": webhook_payload,
    "slack": slack_payload,
    "pagerduty": lambda alert: pagerduty_payload(alert, "rk-123"),
    "alertmanager": lambda alert: alertmanager_payload(alert, NOW, WEEK),
}


@pytest.mark.parametrize("channel", ["webhook", "slack", "pagerduty", "alertmanager"])
@pytest.mark.parametrize("alert", [FIRED, ESCALATED, RESOLVED], ids=["fired", "esc", "resolved"])
def test_every_payload_is_json_and_names_the_alert(channel: str, alert: Alert) -> None:
    body = json.dumps(RENDERERS[channel](alert))
    assert alert.rule in body
    assert ("Idlib" in body) and ("SYR" in body)


def test_webhook_gets_the_alert_record_itself() -> None:
    assert Alert.model_validate(webhook_payload(ESCALATED)) == ESCALATED


def test_slack_message_has_the_facts_and_escapes_markup() -> None:
    message = slack_payload(FIRED)
    assert message["text"].startswith("[CRITICAL] children_killed_24h fired: SYR / Idlib")
    blocks = message["blocks"]
    assert [b["type"] for b in blocks] == ["header", "section", "section", "context"]
    fields = "\n".join(f["text"] for f in blocks[1]["fields"])
    for fact in (
        "*Level*\ncritical",
        "*Rule*\nchildren_killed_24h",
        "*Region*\nSYR / Idlib",
        "25 children_killed (threshold 10)",
        "24h rolling, 2024-11-30 18:00 to",
    ):
        assert fact in fields
    evidence = blocks[2]["text"]["text"]
    assert "White Helmets 'at least 25' (used)" in evidence
    assert "Witness &lt;via AFP&gt; &amp; co" in evidence  # Slack control characters
    assert "<via" not in json.dumps(message)


def test_slack_says_what_an_escalation_and_a_resolve_left() -> None:
    assert "critical (was warning)" in json.dumps(slack_payload(ESCALATED))
    assert "resolved (was critical)" in json.dumps(slack_payload(RESOLVED))


@pytest.mark.parametrize(
    ("alert", "action", "severity"),
    [
        (FIRED, "trigger", "critical"),
        (ESCALATED, "trigger", "critical"),
        (RESOLVED, "resolve", "critical"),
        (sample_alert(level="warning"), "trigger", "warning"),
        (sample_alert(level="severe"), "trigger", "error"),
    ],
)
def test_pagerduty_trigger_and_resolve_share_the_fingerprint_as_dedup_key(
    alert: Alert, action: str, severity: str
) -> None:
    event = pagerduty_payload(alert, "rk-123")
    assert event["routing_key"] == "rk-123"
    assert event["event_action"] == action
    assert event["dedup_key"] == alert.fingerprint == FIRED.fingerprint
    payload = event["payload"]
    assert payload["source"] == "vigil"
    assert payload["severity"] == severity
    assert payload["timestamp"] == "2024-12-01T18:00:00Z"
    assert payload["custom_details"]["seq"] == alert.seq
    assert len(payload["summary"]) <= 1024


def test_alertmanager_firing_alert_is_held_until_vigil_ends_it() -> None:
    [item] = alertmanager_payload(FIRED, NOW, WEEK, generator_url="http://vigil/alerts")
    labels = item["labels"]
    assert labels["alertname"] == "VigilAlert"
    assert (
        labels.items()
        >= {
            "rule": "children_killed_24h",
            "group_key": "SYR/Idlib",
            "level": "critical",
            "fingerprint": FIRED.fingerprint,
            "country": "SYR",
            "admin1": "Idlib",
        }.items()
    )
    assert item["annotations"]["summary"] == FIRED.summary
    assert "White Helmets" in item["annotations"]["description"]
    assert item["startsAt"] == "2024-12-02T09:30:00Z"
    assert item["endsAt"] == "2024-12-09T09:30:00Z"
    assert item["generatorURL"] == "http://vigil/alerts"


def test_alertmanager_escalation_ends_the_previous_level_and_resolve_ends_the_last() -> None:
    new, old = alertmanager_payload(ESCALATED, NOW, WEEK)
    assert (new["labels"]["level"], new["endsAt"]) == ("critical", "2024-12-09T09:30:00Z")
    assert (old["labels"]["level"], old["endsAt"]) == ("warning", "2024-12-02T09:30:00Z")
    [gone] = alertmanager_payload(RESOLVED, NOW, WEEK)
    assert gone["labels"] == new["labels"]  # same identity, so it resolves that alert
    assert gone["endsAt"] == "2024-12-02T09:30:00Z"


@pytest.mark.parametrize(
    ("level", "previous", "minimum", "sent"),
    [
        ("critical", None, "warning", True),
        ("warning", None, "warning", True),
        ("info", None, "warning", False),
        (None, "info", "warning", False),
        (None, "critical", "warning", True),
        ("info", "critical", "critical", True),
        ("custom-level", None, "critical", True),
    ],
)
def test_min_level(level: str | None, previous: str | None, minimum: str, sent: bool) -> None:
    transition = Transition.RESOLVED if level is None else Transition.FIRED
    alert = sample_alert(level=level, previous_level=previous, transition=transition)
    assert passes_min_level(alert, minimum) is sent


def test_seq_filter_drops_repeats_and_stale_transitions() -> None:
    seen: dict[str, int] = {"b": 5}
    keep = SeqFilter(seen)
    arrivals = [("a", 1), ("a", 1), ("a", 2), ("b", 4), ("a", 1), ("b", 6), ("a", 4), ("a", 3)]
    assert [keep.admit(f, s) for f, s in arrivals] == [
        True,
        False,
        True,
        False,
        False,
        True,
        True,
        False,
    ]
    assert seen == {"a": 4, "b": 6}


@pytest.mark.parametrize(
    ("status", "outcome"),
    [
        (200, Outcome.DELIVERED),
        (202, Outcome.DELIVERED),
        (204, Outcome.DELIVERED),
        (None, Outcome.RETRY),
        (408, Outcome.RETRY),
        (429, Outcome.RETRY),
        (500, Outcome.RETRY),
        (503, Outcome.RETRY),
        (301, Outcome.PERMANENT),
        (400, Outcome.PERMANENT),
        (401, Outcome.PERMANENT),
        (404, Outcome.PERMANENT),
        (413, Outcome.PERMANENT),
    ],
)
def test_classify_status(status: int | None, outcome: Outcome) -> None:
    assert classify_status(status) is outcome


def test_backoff_doubles_up_to_the_cap_and_jitter_only_shortens() -> None:
    policy = RetryPolicy(base_delay=0.5, factor=2, max_delay=5, jitter=0.5)
    assert [policy.delay(n, lambda: 0.0) for n in range(1, 7)] == [0.5, 1, 2, 4, 5, 5]
    assert [policy.delay(n, lambda: 0.999999) for n in (1, 4)] == pytest.approx([0.25, 2], rel=1e-5)
    assert policy.delay(10_000, lambda: 0.0) == 5  # no overflow after a long outage
    assert not policy.gives_up(10_000)
    assert RetryPolicy(max_attempts=3).gives_up(3)
    with pytest.raises(ValueError):
        RetryPolicy(base_delay=2, max_delay=1)


def test_offsets_commit_only_past_what_every_channel_settled() -> None:
    tracker: OffsetTracker[str] = OffsetTracker()
    tracker.add("p0", 0, 2)
    tracker.add("p0", 1, 0)  # filtered: nothing to wait for
    tracker.add("p0", 2, 2)
    tracker.add("p1", 7, 1)
    assert tracker.committable() == {"p0": 0, "p1": 7}
    tracker.settle("p0", 0)
    assert tracker.committable()["p0"] == 0  # one channel still owes offset 0
    tracker.settle("p0", 2)
    tracker.settle("p0", 2)
    assert tracker.committable()["p0"] == 0
    tracker.settle("p0", 0)
    assert tracker.committable() == {"p0": 3, "p1": 7}
    tracker.settle("p9", 1)  # a partition lost in a rebalance: ignored
    tracker.forget(["p1"])
    assert tracker.committable() == {"p0": 3}
