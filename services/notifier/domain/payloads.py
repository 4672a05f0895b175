"""What each channel receives for one alert transition (JSON-ready dicts and lists).

``now`` is the delivery time, passed in; event times come from the alert itself.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any

from schemas.alerts import Alert, AlertStatus
from services.notifier.domain.text import (
    evidence_lines,
    headline,
    region,
    severity,
    shown_level,
    utc_iso,
    value_text,
    window_text,
)

JSON = dict[str, Any]
PAGERDUTY_SOURCE = "vigil"
ALERTMANAGER_ALERTNAME = "VigilAlert"
EVIDENCE_IN_DETAILS = 5
_LABEL_NAME = re.compile(r"[^A-Za-z0-9_]")


def webhook_payload(alert: Alert) -> JSON:
    """The generic webhook gets the Alert record itself (the published JSON Schema)."""
    return alert.model_dump(mode="json")


def details(alert: Alert) -> JSON:
    """The facts an on-call analyst wants next to the summary."""
    return {
        "rule": alert.rule,
        "group": dict(alert.group),
        "region": region(alert),
        "transition": str(alert.transition),
        "seq": alert.seq,
        "level": alert.level,
        "previous_level": alert.previous_level,
        "value": alert.value,
        "threshold": alert.threshold,
        "measure": alert.measure,
        "window": window_text(alert),
        "window_start": utc_iso(alert.window_start),
        "window_end": utc_iso(alert.window_end),
        "late": alert.late,
        "confidence": alert.confidence,
        "verification": dict(alert.verification),
        "evidence": evidence_lines(alert, EVIDENCE_IN_DETAILS),
        "fingerprint": alert.fingerprint,
    }


def pagerduty_payload(alert: Alert, routing_key: str) -> JSON:
    """Events API v2: trigger while firing (again on escalation, which PagerDuty folds into
    the open incident with the same ``dedup_key``), resolve once resolved."""
    resolved = alert.status is AlertStatus.RESOLVED
    return {
        "routing_key": routing_key,
        "event_action": "resolve" if resolved else "trigger",
        "dedup_key": alert.fingerprint,
        "payload": {
            "summary": f"{headline(alert)}: {alert.summary}"[:1024],
            "source": PAGERDUTY_SOURCE,
            "severity": severity(shown_level(alert)),
            "timestamp": utc_iso(alert.watermark),
            "component": alert.rule,
            "group": alert.group_key,
            "class": alert.measure,
            "custom_details": details(alert),
        },
    }


def _label_name(name: str) -> str:
    clean = _LABEL_NAME.sub("_", name)
    return f"_{clean}" if not clean or clean[0].isdigit() else clean


def alertmanager_labels(alert: Alert, level: str | None) -> dict[str, str]:
    """Identity of the alert in Alertmanager. The level is a label (so routes can page on
    it), which makes each level a separate Alertmanager alert: see ``alertmanager_payload``."""
    labels = {_label_name(k): v for k, v in alert.group.items()}
    labels.update(
        alertname=ALERTMANAGER_ALERTNAME,
        rule=alert.rule,
        group_key=alert.group_key,
        fingerprint=alert.fingerprint,
        level=level or "none",
        severity=severity(level),
    )
    return labels


def alertmanager_annotations(alert: Alert) -> dict[str, str]:
    description = "\n".join(
        [
            f"{value_text(alert)} in {region(alert)}",
            f"window: {window_text(alert)}",
            f"confidence: {alert.confidence:.0%}",
            *evidence_lines(alert, EVIDENCE_IN_DETAILS),
        ]
    )
    return {
        "summary": alert.summary,
        "description": description,
        "transition": str(alert.transition),
        "seq": str(alert.seq),
        "value": str(alert.value),
        "threshold": "" if alert.threshold is None else str(alert.threshold),
    }


def alertmanager_payload(
    alert: Alert, now: datetime, firing_for: timedelta, generator_url: str | None = None
) -> list[JSON]:
    """Body of ``POST /api/v2/alerts``.

    Alertmanager expects firing alerts to be re-sent before ``endsAt``; Vigil sends each
    transition once, so a firing alert gets ``endsAt = now + firing_for`` (long) and is
    ended explicitly: by the resolve (``endsAt = now``), or, on an escalation or
    de-escalation, by ending the previous level's alert in the same request.
    """

    def one(level: str | None, ends: datetime) -> JSON:
        item: JSON = {
            "labels": alertmanager_labels(alert, level),
            "annotations": alertmanager_annotations(alert),
            "startsAt": utc_iso(now),
            "endsAt": utc_iso(ends),
        }
        if generator_url:
            item["generatorURL"] = generator_url
        return item

    if alert.status is AlertStatus.RESOLVED:
        return [one(alert.previous_level, now)]
    batch = [one(alert.level, now + firing_for)]
    if alert.previous_level is not None and alert.previous_level != alert.level:
        batch.append(one(alert.previous_level, now))
    return batch
