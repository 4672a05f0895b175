"""What each channel receives for one alert transition (JSON-ready dicts and lists).

``now`` is the delivery time, passed in; event times come from the alert itself.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

from schemas.alerts import Alert, AlertStatus, Transition
from services.notifier.domain.ledger import Active
from services.notifier.domain.text import (
    evidence_lines,
    message_text,
    period_text,
    region,
    severity,
    shown_level,
    utc_iso,
    verification_words,
)

JSON = dict[str, Any]
PAGERDUTY_SOURCE = "vigil"
EVIDENCE_IN_DETAILS = 5
_LABEL_NAME = re.compile(r"[^A-Za-z0-9_]")


def webhook_payload(alert: Alert) -> JSON:
    """The generic webhook gets the Alert record itself (the published JSON Schema)."""
    return alert.model_dump(mode="json")


def details(alert: Alert, url: str | None) -> JSON:
    """The facts an on-call analyst wants next to the summary."""
    return {
        "summary": alert.summary,
        "rule": alert.rule,
        "rule_description": alert.description,
        "region": region(alert),
        "transition": str(alert.transition),
        "seq": alert.seq,
        "level": alert.level,
        "previous_level": alert.previous_level,
        "peak_level": alert.peak_level,
        "value": alert.value_text or str(alert.value),
        "threshold": alert.threshold,
        "measure": alert.measure,
        "when": period_text(alert),
        "late": alert.late,
        "verification": verification_words(alert),
        "perpetrators": list(alert.perpetrators),
        "evidence": evidence_lines(alert, EVIDENCE_IN_DETAILS),
        "fingerprint": alert.fingerprint,
        "url": url,
    }


@dataclass(frozen=True)
class PagerDutyEvent:
    endpoint: Literal["alert", "change"]
    """``alert``: Events API v2 enqueue (pages); ``change``: a change event (never pages)."""
    body: JSON


def pagerduty_payload(alert: Alert, routing_key: str, url: str | None = None) -> PagerDutyEvent:
    """Events API v2. Fired, escalated and de-escalated: ``trigger`` with the fingerprint as
    ``dedup_key`` (PagerDuty folds a trigger into the open incident with that key);
    resolved: ``resolve``. An update of a rising toll and a late notice are *change
    events*: on the service's timeline, never a page (a late crossing is news about the
    past; paging and resolving it a moment later helps no one)."""
    links = [{"href": url, "text": "Vigil alert"}] if url else []
    summary = alert.summary[:1024]
    if alert.transition in (Transition.UPDATED, Transition.LATE):
        return PagerDutyEvent(
            "change",
            {
                "routing_key": routing_key,
                "payload": {
                    "summary": f"{'Late notice' if alert.late else 'Update'}: {summary}"[:1024],
                    "timestamp": utc_iso(alert.watermark),
                    "source": PAGERDUTY_SOURCE,
                    "custom_details": details(alert, url),
                },
                "links": links,
            },
        )
    resolved = alert.status is AlertStatus.RESOLVED
    return PagerDutyEvent(
        "alert",
        {
            "routing_key": routing_key,
            "event_action": "resolve" if resolved else "trigger",
            "dedup_key": alert.fingerprint,
            "payload": {
                "summary": summary,
                "source": PAGERDUTY_SOURCE,
                "severity": severity(shown_level(alert)),
                "timestamp": utc_iso(alert.watermark),
                "component": alert.rule,
                "group": alert.group_key,
                "class": alert.measure,
                "custom_details": details(alert, url),
            },
            "links": links,
        },
    )


def _label_name(name: str) -> str:
    clean = _LABEL_NAME.sub("_", name)
    return f"_{clean}" if not clean or clean[0].isdigit() else clean


def alertmanager_labels(alert: Alert, level: str | None, late: bool = False) -> dict[str, str]:
    """Identity of the alert in Alertmanager: ``alertname`` is the rule, with ``rule``,
    the group fields (``country``, ``admin1`` ...), ``severity`` and ``level``. The level is
    a label (routes page on it), so each level is its own Alertmanager alert: an
    escalation ends the lower level's alert in the same request. A late notice carries
    ``late="true"`` and severity ``info``: it is a different alert, routed (or silenced)
    on its own, that ends by itself."""
    labels = {_label_name(k): v for k, v in alert.group.items()}
    labels.update(
        alertname=alert.rule,
        rule=alert.rule,
        fingerprint=alert.fingerprint,
        level=level or "none",
        severity="info" if late else severity(level),
    )
    if late:
        labels["late"] = "true"
    return labels


def alertmanager_annotations(alert: Alert, url: str | None) -> dict[str, str]:
    return {
        "summary": alert.summary,
        "description": message_text(alert, url, EVIDENCE_IN_DETAILS),
        "rule_description": alert.description,
        "when": period_text(alert),
        "value": alert.value_text or str(alert.value),
        "threshold": "" if alert.threshold is None else str(alert.threshold),
        "verification": verification_words(alert),
        "perpetrators": ", ".join(alert.perpetrators),
        "transition": str(alert.transition),
        "seq": str(alert.seq),
    }


def _am_alert(
    alert: Alert,
    level: str | None,
    starts: datetime,
    ends: datetime,
    url: str | None,
    late: bool = False,
) -> JSON:
    item: JSON = {
        "labels": alertmanager_labels(alert, level, late),
        "annotations": alertmanager_annotations(alert, url),
        "startsAt": utc_iso(starts),
        "endsAt": utc_iso(ends),
    }
    if url:
        item["generatorURL"] = url
    return item


def alertmanager_payload(
    alert: Alert,
    previous: Active | None,
    now: datetime,
    ttl: timedelta,
    url: str | None = None,
) -> list[JSON]:
    """Body of ``POST /api/v2/alerts`` for one transition.

    Alertmanager keeps alerts in memory and expects clients to re-send active ones before
    their ``endsAt``: a firing alert gets ``endsAt = now + ttl`` (a few re-send intervals)
    and is re-sent (``alertmanager_resend``) until it is ended explicitly, by the resolve
    (``endsAt = now``), or, on an escalation or de-escalation, by ending the previous
    level's alert in the same request. ``startsAt`` is when the level was entered
    (``previous.since`` while the level is unchanged), so re-sends and updates keep it.
    """
    if alert.transition is Transition.LATE:
        return [_am_alert(alert, alert.peak_level, now, now + ttl, url, late=True)]
    since = now
    if previous is not None and previous.alert.level == alert.level:
        since = previous.since
    if alert.status is AlertStatus.RESOLVED:
        return [_am_alert(alert, alert.previous_level, since, now, url)]
    batch = [_am_alert(alert, alert.level, since, now + ttl, url)]
    if alert.previous_level is not None and alert.previous_level != alert.level:
        before = previous.since if previous is not None else now
        batch.append(_am_alert(alert, alert.previous_level, min(before, now), now, url))
    return batch


def alertmanager_resend(
    active: Sequence[Active], now: datetime, ttl: timedelta, urls: Sequence[str | None]
) -> list[JSON]:
    """Every alert in force again, with ``endsAt`` pushed ``ttl`` ahead."""
    return [
        _am_alert(a.alert, a.alert.level, a.since, now + ttl, url)
        for a, url in zip(active, urls, strict=True)
    ]
