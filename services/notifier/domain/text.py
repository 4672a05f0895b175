"""Human wording shared by the channel payloads (plain text, no markup)."""

from __future__ import annotations

from datetime import UTC, datetime

from schemas.alerts import Alert, EvidenceIncident

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


def shown_level(alert: Alert) -> str | None:
    """The level an alert is about: the one in force, or the one it resolved from."""
    return alert.level if alert.level is not None else alert.previous_level


def severity(level: str | None) -> str:
    """PagerDuty severity (critical | error | warning | info) for a Vigil level name."""
    if level is None:
        return "info"
    return PAGERDUTY_SEVERITIES.get(level.lower(), UNKNOWN_LEVEL_SEVERITY)


def region(alert: Alert) -> str:
    """The group as a place, coarse to fine: ``SYR / Idlib``."""
    return " / ".join(v for v in alert.group.values() if v) or alert.group_key


def utc_iso(moment: datetime) -> str:
    """RFC 3339 in UTC with a ``Z`` (what Alertmanager and PagerDuty both parse)."""
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _short_time(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M")


def window_text(alert: Alert) -> str:
    hours = alert.window_seconds / 3600
    span = f"{hours:g}h" if hours >= 1 else f"{alert.window_seconds}s"
    start, end = _short_time(alert.window_start), _short_time(alert.window_end)
    return f"{span} rolling, {start} to {end} UTC"


def value_text(alert: Alert) -> str:
    threshold = "-" if alert.threshold is None else str(alert.threshold)
    return f"{alert.value} {alert.measure} (threshold {threshold})"


def top_evidence(alert: Alert, limit: int) -> list[EvidenceIncident]:
    """The incidents that weigh most, heaviest first (ties: latest first)."""
    ranked = sorted(alert.evidence, key=lambda i: (i.value, i.occurred_at), reverse=True)
    return ranked[:limit]


def evidence_line(incident: EvidenceIncident) -> str:
    """One incident with its sources; the source whose figure counts is marked ``used``."""
    place = f" ({incident.place})" if incident.place else ""
    sources = "; ".join(
        f"{s.source}" + (f" '{s.figure}'" if s.figure else "") + (" (used)" if s.used else "")
        for s in incident.sources
    )
    return (
        f"{_short_time(incident.occurred_at)} {incident.region}{place}, "
        f"{incident.event_type}: {incident.value} [{incident.verification}]"
        + (f" from {sources}" if sources else "")
    )


def evidence_lines(alert: Alert, limit: int) -> list[str]:
    lines = [evidence_line(i) for i in top_evidence(alert, limit)]
    hidden = len(alert.evidence) - len(lines) + alert.evidence_omitted
    if hidden > 0:
        lines.append(f"... and {hidden} more incident(s)")
    return lines


def headline(alert: Alert) -> str:
    """``[CRITICAL] children_killed_24h escalated: SYR / Idlib``"""
    tag = "RESOLVED" if alert.level is None else alert.level.upper()
    return f"[{tag}] {alert.rule} {alert.transition}: {region(alert)}"
