"""Pure notifier rules: payload per channel, message wording, filters, retry schedule,
Retry-After, offset tracking, the delivery ledger."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from schemas.alerts import Alert, AlertStatus, Transition
from services.notifier.domain.filters import passes_min_level
from services.notifier.domain.ledger import Active, Ledger, decode_mark, encode_mark
from services.notifier.domain.offsets import OffsetTracker
from services.notifier.domain.payloads import (
    alertmanager_payload,
    alertmanager_resend,
    pagerduty_payload,
    webhook_payload,
)
from services.notifier.domain.retry import (
    Outcome,
    RetryPolicy,
    classify_status,
    parse_retry_after,
)
from services.notifier.domain.slack import slack_payload
from services.notifier.domain.text import alert_url, message_text
from services.notifier.samples import sample_alert

NOW = datetime(2024, 12, 2, 9, 30, tzinfo=UTC)
TTL = timedelta(minutes=4)
URL = "http://vigil.example/alerts/x"

FIRED = sample_alert()
ESCALATED = sample_alert(
    seq=2, transition=Transition.ESCALATED, level="critical", previous_level="warning"
)
RESOLVED = sample_alert(seq=3, transition=Transition.RESOLVED, previous_level="critical", value=3)
UPDATED = sample_alert(seq=4, transition=Transition.UPDATED, previous_level="critical", value=31)
LATE = sample_alert(seq=5, transition=Transition.LATE, level=None).model_copy(
    update={"late": True, "peak_level": "critical", "status": AlertStatus.RESOLVED}
)


RENDERERS: dict[str, Callable[[Alert], Any]] = {
    "webhook": webhook_payload,
    "slack": lambda alert: slack_payload(alert, URL),
    "pagerduty": lambda alert: pagerduty_payload(alert, "rk-123", URL).body,
    "alertmanager": lambda alert: alertmanager_payload(alert, None, NOW, TTL, URL),
    "console": lambda alert: message_text(alert, URL),
}
ALL = [FIRED, ESCALATED, RESOLVED, UPDATED, LATE]
IDS = ["fired", "esc", "resolved", "updated", "late"]


@pytest.mark.parametrize("channel", sorted(RENDERERS))
@pytest.mark.parametrize("alert", ALL, ids=IDS)
def test_every_payload_is_json_and_names_the_alert(channel: str, alert: Alert) -> None:
    body = json.dumps(RENDERERS[channel](alert))
    assert alert.rule in body
    assert ("Idlib" in body) and ("SYR" in body)


@pytest.mark.parametrize("channel", ["slack", "pagerduty", "alertmanager", "console"])
def test_every_channel_reads_right_for_the_seed_alert(channel: str) -> None:
    """The number and place first, the incident's day (never the day before), the
    qualifier, verification in words, the rule's description, perpetrators, source kinds."""
    body = json.dumps(RENDERERS[channel](FIRED), ensure_ascii=False)
    assert "At least 25 children killed in Idlib, SYR on 2024-12-01" in body
    for fact in (
        "Children killed in one governorate within 24 hours.",
        "Not independently confirmed",
        "Syrian government, Russia",
        "White Helmets (NGO)",
        "(witness)",
        "at least 25",
    ):
        assert fact in body, fact
    assert "30 Nov" not in body and "2024-11-30" not in body
    assert "confidence" not in body.lower()


def test_webhook_gets_the_alert_record_itself() -> None:
    assert Alert.model_validate(webhook_payload(ESCALATED)) == ESCALATED


def test_slack_message_has_the_facts_and_escapes_markup() -> None:
    message = slack_payload(FIRED, URL)
    assert message["text"].startswith("[CRITICAL] At least 25 children killed in Idlib, SYR")
    blocks = message["blocks"]
    assert [b["type"] for b in blocks] == ["header", "section", "section", "section", "context"]
    fields = "\n".join(f["text"] for f in blocks[1]["fields"])
    for fact in ("*Level*\ncritical", "*When*\n2024-12-01", "at least 25 children killed"):
        assert fact in fields
    evidence = blocks[3]["text"]["text"]
    assert "White Helmets (NGO) 'at least 25' counted" in evidence
    assert "Witness &lt;via AFP&gt; &amp; co" in evidence  # Slack control characters
    assert "<via" not in json.dumps(message)
    assert f"<{URL}|open>" in json.dumps(message)


def test_slack_says_what_an_escalation_a_resolve_and_a_late_notice_mean() -> None:
    assert "critical (was warning)" in json.dumps(slack_payload(ESCALATED))
    assert "resolved (was critical)" in json.dumps(slack_payload(RESOLVED))
    late = json.dumps(slack_payload(LATE))
    assert "[LATE NOTICE]" in late and "a past window reached critical" in late
    assert "[CRITICAL, update]" in json.dumps(slack_payload(UPDATED))


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
    event = pagerduty_payload(alert, "rk-123", URL)
    assert event.endpoint == "alert"
    body = event.body
    assert body["routing_key"] == "rk-123"
    assert body["event_action"] == action
    assert body["dedup_key"] == alert.fingerprint == FIRED.fingerprint
    payload = body["payload"]
    assert payload["source"] == "vigil"
    assert payload["severity"] == severity
    assert payload["timestamp"] == "2024-12-01T00:00:00Z"
    assert payload["custom_details"]["seq"] == alert.seq
    assert payload["summary"] == alert.summary  # the number and place first
    assert body["links"] == [{"href": URL, "text": "Vigil alert"}]


@pytest.mark.parametrize("alert", [UPDATED, LATE], ids=["updated", "late"])
def test_pagerduty_never_pages_for_an_update_or_a_late_notice(alert: Alert) -> None:
    event = pagerduty_payload(alert, "rk-123", URL)
    assert event.endpoint == "change"  # a change event: on the timeline, never a page
    assert "event_action" not in event.body and "dedup_key" not in event.body
    prefix = "Late notice: " if alert.late else "Update: "
    assert event.body["payload"]["summary"] == prefix + alert.summary


def test_alertmanager_labels_name_the_rule_and_the_place_and_end_a_few_intervals_ahead() -> None:
    [item] = alertmanager_payload(FIRED, None, NOW, TTL, URL)
    labels = item["labels"]
    assert labels == {
        "alertname": "children_killed_24h",
        "rule": "children_killed_24h",
        "country": "SYR",
        "admin1": "Idlib",
        "severity": "critical",
        "level": "critical",
        "fingerprint": FIRED.fingerprint,
    }
    assert item["annotations"]["summary"] == FIRED.summary
    assert item["annotations"]["when"] == "2024-12-01"
    assert "White Helmets" in item["annotations"]["description"]
    assert item["startsAt"] == "2024-12-02T09:30:00Z"
    assert item["endsAt"] == "2024-12-02T09:34:00Z"
    assert item["generatorURL"] == URL


def test_alertmanager_keeps_startsat_ends_the_previous_level_and_resolves_explicitly() -> None:
    since = NOW - timedelta(hours=1)
    warning = Active(sample_alert(level="warning"), since, 0)
    new, old = alertmanager_payload(ESCALATED, warning, NOW, TTL)
    assert (new["labels"]["level"], new["startsAt"], new["endsAt"]) == (
        "critical",
        "2024-12-02T09:30:00Z",
        "2024-12-02T09:34:00Z",
    )
    assert (old["labels"]["level"], old["startsAt"], old["endsAt"]) == (
        "warning",
        "2024-12-02T08:30:00Z",
        "2024-12-02T09:30:00Z",
    )
    critical = Active(ESCALATED, since, 0)
    [updated] = alertmanager_payload(UPDATED, critical, NOW, TTL)
    assert updated["labels"] == new["labels"] and updated["startsAt"] == "2024-12-02T08:30:00Z"
    [gone] = alertmanager_payload(RESOLVED, critical, NOW, TTL)
    assert gone["labels"] == new["labels"]  # same identity, so it resolves that alert
    assert gone["endsAt"] == "2024-12-02T09:30:00Z"
    [again] = alertmanager_resend([critical], NOW + TTL, TTL, [URL])
    assert (again["startsAt"], again["endsAt"]) == ("2024-12-02T08:30:00Z", "2024-12-02T09:38:00Z")


def test_alertmanager_late_notice_is_its_own_short_lived_info_alert() -> None:
    [item] = alertmanager_payload(LATE, None, NOW, TTL)
    assert item["labels"]["late"] == "true" and item["labels"]["severity"] == "info"
    assert item["labels"]["level"] == "critical"
    assert item["endsAt"] == "2024-12-02T09:34:00Z"


def test_alert_url_is_base_plus_fingerprint() -> None:
    assert alert_url("https://vigil.example/", FIRED) == (
        f"https://vigil.example/alerts/{FIRED.fingerprint}"
    )
    assert alert_url("http://x", sample_alert(fingerprint="a b/c")) == "http://x/alerts/a%20b%2Fc"


def test_a_record_from_before_the_wording_fields_still_renders() -> None:
    old = json.loads(FIRED.model_dump_json())
    for name in ("value_text", "period", "verification_text", "description", "perpetrators"):
        old.pop(name)
    text = message_text(Alert.model_validate(old), None)
    assert "2024-11-30 00:00 - 2024-12-01 00:00 UTC (event-time window)" in text


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


def test_a_late_notice_passes_with_the_level_its_past_window_reached() -> None:
    assert passes_min_level(LATE, "critical")


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


@pytest.mark.parametrize(
    ("header", "seconds"),
    [
        (None, None),
        ("7", 7.0),
        (" 120 ", 120.0),
        ("Mon, 02 Dec 2024 09:31:00 GMT", 60.0),
        ("Mon, 02 Dec 2024 09:00:00 GMT", 0.0),  # in the past
        ("soon", None),
        ("-5", None),
    ],
)
def test_parse_retry_after(header: str | None, seconds: float | None) -> None:
    assert parse_retry_after(header, NOW) == seconds


def test_retry_after_lengthens_the_wait_up_to_a_cap() -> None:
    policy = RetryPolicy(base_delay=0.5, max_delay=5, jitter=0)
    assert policy.wait(1, lambda: 0.0, None, cap=600) == 0.5
    assert policy.wait(1, lambda: 0.0, 30.0, cap=600) == 30.0
    assert policy.wait(4, lambda: 0.0, 1.0, cap=600) == 4.0  # never shorter than the backoff
    assert policy.wait(1, lambda: 0.0, 86400.0, cap=600) == 600


def test_ledger_sends_each_transition_once_per_channel_and_redrives_only_refusals() -> None:
    ledger = Ledger()
    a1, a2 = sample_alert(seq=1), ESCALATED
    assert ledger.wants("slack", a1, redriven=False)
    ledger.settle("slack", a1, 0, delivered=True, keeps_active=False, now=NOW)
    ledger.settle("pagerduty", a1, 0, delivered=False, keeps_active=False, now=NOW)
    assert not ledger.wants("slack", a1, redriven=False)  # read again: not sent again
    assert not ledger.wants("slack", a1, redriven=True)  # re-driven: slack had it
    assert not ledger.wants("pagerduty", a1, redriven=False)  # dead-lettered: settled
    assert ledger.wants("pagerduty", a1, redriven=True)  # re-driven: sent again
    assert ledger.wants("slack", a2, redriven=False)
    ledger.settle("pagerduty", a1, 0, delivered=True, keeps_active=False, now=NOW)
    assert not ledger.wants("pagerduty", a1, redriven=True)


def test_ledger_records_survive_a_restart() -> None:
    ledger = Ledger()
    records = [
        ledger.settle("alertmanager", FIRED, 3, delivered=True, keeps_active=True, now=NOW),
        ledger.settle("webhook-1", FIRED, 3, delivered=False, keeps_active=False, now=NOW),
    ]
    again = Ledger()
    for key, value in records:
        again.apply(key, value)
    again.apply(b"~barrier", b"{}")
    assert again.marks == ledger.marks
    [active] = again.active("alertmanager", [3])
    assert (active.alert, active.since, active.partition) == (FIRED, NOW, 3)
    assert again.active("alertmanager", [0, 1]) == []
    assert again.wants("webhook-1", FIRED, redriven=True)
    mark = again.marks[(FIRED.fingerprint, "webhook-1")]
    assert decode_mark(encode_mark(mark, NOW)) == mark
    again.forget([3])
    assert again.marks == {}


def test_ledger_keeps_what_is_active_on_a_keeping_channel() -> None:
    ledger = Ledger()
    later = NOW + timedelta(minutes=5)
    ledger.settle(
        "am", sample_alert(level="warning"), 0, delivered=True, keeps_active=True, now=NOW
    )
    ledger.settle("am", ESCALATED, 0, delivered=True, keeps_active=True, now=later)
    [active] = ledger.active("am", [0])
    assert (active.alert.seq, active.since) == (2, later)  # a new level starts anew
    ledger.settle("am", UPDATED, 0, delivered=True, keeps_active=True, now=later + TTL)
    ledger.settle("am", LATE, 0, delivered=True, keeps_active=True, now=later + TTL)
    [active] = ledger.active("am", [0])
    assert (active.alert.seq, active.since) == (4, later)  # an update keeps startsAt
    # a re-driven older transition does not replace what is in force
    ledger.settle("am", FIRED, 0, delivered=True, keeps_active=True, now=later + TTL)
    assert ledger.active("am", [0])[0].alert.seq == 4
    ledger.settle(
        "am",
        RESOLVED.model_copy(update={"seq": 6}),
        0,
        delivered=True,
        keeps_active=True,
        now=later,
    )
    assert ledger.active("am", [0]) == []


def ranked(level: str | None, previous: str | None, levels: list[str], **kw: object) -> Alert:
    """An alert whose rule names its levels ``levels`` (lowest first), ranks filled in."""
    transition = Transition.RESOLVED if level is None else Transition.FIRED
    alert = sample_alert(level=level, previous_level=previous, transition=transition)
    rank = {name: i for i, name in enumerate(levels, start=1)}
    return alert.model_copy(
        update={
            "levels": levels,
            "level_rank": rank.get(level or ""),
            "previous_level_rank": rank.get(previous or ""),
            **kw,
        }
    )


@pytest.mark.parametrize(
    ("level", "previous", "minimum", "sent"),
    [
        # a rule that names its levels in an order no table could guess
        ("critical", None, "emergency", False),  # critical is the LOWER level here
        ("emergency", None, "emergency", True),
        (None, "emergency", "emergency", True),  # the resolve of a level that reached it
        ("critical", "emergency", "emergency", True),  # a de-escalation from it
        ("critical", None, "critical", True),
    ],
)
def test_min_level_follows_the_rules_own_order_carried_by_the_alert(
    level: str | None, previous: str | None, minimum: str, sent: bool
) -> None:
    alert = ranked(level, previous, ["critical", "emergency"])
    assert passes_min_level(alert, minimum) is sent


def test_a_late_notice_passes_by_the_rank_of_its_past_level() -> None:
    late = ranked(None, None, ["watch", "alarm"]).model_copy(
        update={"transition": Transition.LATE, "peak_level": "alarm", "peak_level_rank": 2}
    )
    assert passes_min_level(late, "alarm")
    assert not passes_min_level(late.model_copy(update={"peak_level_rank": 1}), "alarm")
