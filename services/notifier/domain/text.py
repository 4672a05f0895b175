"""Human wording shared by the channel payloads (plain text, no markup).

Every message leads with the alert's ``summary`` (the number and place first: "At least 10
children killed in Idlib, SYR on 2024-12-01: critical ..."), then the rule and what it
counts, verification in words, the alleged perpetrators, the evidence (each incident on
its calendar day, each source with its kind and figure as given) and a link. Records
written before the aggregator filled ``value_text``, ``period`` and ``verification_text``
still render, with the bare number.
"""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import quote

from schemas.alerts import Alert, EvidenceIncident, Transition
from schemas.reports import Precision

PAGERDUTY_SEVERITIES: dict[str, str] = {
    "critical": "critical",
    "error": "error",
    "high": "error",
    "warning": "warning",
    "medium": "warning",
    "info": "info",
    "low": "info",
}
UNKNOWN_LEVEL_SEVERITY = "error"
"""A level name the map does not know pages as ``error``: loud enough, short of critical."""
KIND_WORDS = {"ngo": "NGO", "un": "UN"}
EVENT_WORDS = {"air_strike": "air strike", "drone_strike": "drone strike"}


def shown_level(alert: Alert) -> str | None:
    """The level an alert is about: the one in force, the one it resolved from, or (late
    notice) the one its past window reached."""
    if alert.transition is Transition.LATE:
        return alert.peak_level
    return alert.level if alert.level is not None else alert.previous_level


def severity(level: str | None) -> str:
    """PagerDuty / Alertmanager severity (critical | error | warning | info) of a level."""
    if level is None:
        return "info"
    return PAGERDUTY_SEVERITIES.get(level.lower(), UNKNOWN_LEVEL_SEVERITY)


def region(alert: Alert) -> str:
    """The group as a place, coarse to fine: ``SYR / Idlib``."""
    return " / ".join(v for v in alert.group.values() if v) or alert.group_key


def utc_iso(moment: datetime) -> str:
    """RFC 3339 in UTC with a ``Z`` (what Alertmanager and PagerDuty both parse)."""
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def alert_url(base: str, alert: Alert) -> str:
    """Where the alert's page is served: ``<base>/alerts/<fingerprint>``."""
    return f"{base.rstrip('/')}/alerts/{quote(alert.fingerprint, safe=':')}"


def tag(alert: Alert) -> str:
    """``[CRITICAL]``, ``[CRITICAL, escalated]``, ``[RESOLVED]``, ``[LATE NOTICE]`` ..."""
    level = (alert.level or "").upper()
    match alert.transition:
        case Transition.FIRED:
            return f"[{level}]"
        case Transition.RESOLVED:
            return "[RESOLVED]"
        case Transition.LATE:
            return "[LATE NOTICE]"
        case Transition.UPDATED:
            return f"[{level}, update]"
        case Transition.ESCALATED:
            return f"[{level}, escalated]"
        case _:
            return f"[{level}, de-escalated]"


def headline(alert: Alert) -> str:
    """``[CRITICAL] At least 10 children killed in Idlib, SYR on 2024-12-01: critical ...``"""
    return f"{tag(alert)} {alert.summary}"


def value_text(alert: Alert) -> str:
    """``at least 25 killed (threshold 10)``: the qualifier kept."""
    shown = alert.value_text or str(alert.value)
    threshold = "" if alert.threshold is None else f" (threshold {alert.threshold})"
    return f"{shown} {alert.measure.replace('_', ' ')}{threshold}"


def period_text(alert: Alert) -> str:
    """When it happened, as the analyst reads it (records from before ``period`` existed:
    the window, which for day-precision incidents ends at 00:00 of their day)."""
    if alert.period:
        return alert.period
    start, end = alert.window_start, alert.window_end
    return f"{start:%Y-%m-%d %H:%M} - {end:%Y-%m-%d %H:%M} UTC (event-time window)"


def kind_words(kind: str | None) -> str:
    return KIND_WORDS.get(kind or "", kind or "source")


def occurred_text(incident: EvidenceIncident) -> str:
    moment = incident.occurred_at
    if incident.occurred_precision is Precision.DAY:
        return f"{moment:%Y-%m-%d}"
    return f"{moment.astimezone(UTC):%Y-%m-%d %H:%M} UTC"


def top_evidence(alert: Alert, limit: int) -> list[EvidenceIncident]:
    """The incidents that weigh most, heaviest first (ties: latest first)."""
    ranked = sorted(alert.evidence, key=lambda i: (i.value, i.occurred_at), reverse=True)
    return ranked[:limit]


def evidence_line(incident: EvidenceIncident) -> str:
    """One incident: its day, place, event, what it adds, and every source with its kind
    and figure as given, the counted one marked."""
    place = incident.place or incident.region
    where = place if place == incident.region else f"{place} ({incident.region})"
    sources = "; ".join(
        f"{s.source} ({kind_words(s.kind)})"
        + (f" '{s.figure}'" if s.figure else "")
        + (" counted" if s.used else "")
        for s in incident.sources
    )
    event = EVENT_WORDS.get(incident.event_type, incident.event_type.replace("_", " "))
    line = (
        f"{occurred_text(incident)}, {where}, {event}: {incident.value} [{incident.verification}]"
    )
    if sources:
        line += f" from {sources}"
    if incident.confirmed_by:
        line += f"; confirmed by {', '.join(incident.confirmed_by)}"
    if incident.alleged_perpetrators:
        line += f"; alleged perpetrators: {', '.join(incident.alleged_perpetrators)}"
    return line


def evidence_lines(alert: Alert, limit: int) -> list[str]:
    lines = [evidence_line(i) for i in top_evidence(alert, limit)]
    hidden = len(alert.evidence) - len(lines) + alert.evidence_omitted
    if hidden > 0:
        lines.append(f"... and {hidden} more incident(s)")
    return lines


def verification_words(alert: Alert) -> str:
    if alert.verification_text:
        return alert.verification_text
    parts = [f"{status} {amount}" for status, amount in alert.verification.items()]
    return "by status: " + (", ".join(parts) or "none")


def rule_text(alert: Alert) -> str:
    return f"{alert.rule}: {alert.description}" if alert.description else alert.rule


def message_lines(alert: Alert, url: str | None, evidence: int = 5) -> list[str]:
    """The whole message in plain text, one fact per line."""
    lines = [headline(alert)]
    if alert.transition is Transition.LATE:
        lines.append(
            "News about the past: nothing new is firing because of it"
            + (f" (in force now: {alert.level})." if alert.level else ".")
        )
    lines.append(f"When: {period_text(alert)}")
    lines.append(f"Rule {rule_text(alert)}")
    lines.append(f"Verification: {verification_words(alert)}")
    if alert.perpetrators:
        lines.append(f"Alleged perpetrators: {', '.join(alert.perpetrators)}")
    shown = evidence_lines(alert, evidence)
    if shown:
        lines.append("Evidence:")
        lines += [f"- {line}" for line in shown]
    ref = f"alert {alert.fingerprint} #{alert.seq}"
    lines.append(f"{url} ({ref})" if url else ref)
    return lines


def message_text(alert: Alert, url: str | None, evidence: int = 5) -> str:
    return "\n".join(message_lines(alert, url, evidence))
