"""A realistic Alert to try channels with (``vigil`` demos, tests, a channel smoke test)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from schemas.alerts import Alert, AlertStatus, EvidenceIncident, EvidenceSource, Transition
from schemas.reports import Verification

DAY = datetime(2024, 12, 1, 18, 0, tzinfo=UTC)


def sample_alert(
    *,
    seq: int = 1,
    transition: Transition = Transition.FIRED,
    level: str | None = "critical",
    previous_level: str | None = None,
    value: int = 25,
    threshold: int | None = 10,
    fingerprint: str = "children_killed_24h/SYR/Idlib",
) -> Alert:
    """Children killed in Idlib on 1 Dec 2024 (the wire story in the domain notes)."""
    resolved = transition is Transition.RESOLVED
    incident = EvidenceIncident(
        incident_id="inc-idlib-2024-12-01",
        occurred_at=DAY - timedelta(hours=6),
        region="SYR/Idlib",
        place="Idlib city",
        event_type="air_strike",
        value=value,
        verification=Verification.REPORTED,
        sources=[
            EvidenceSource(
                source="White Helmets",
                report_id="wh-1",
                reported_at=DAY,
                figure=f"at least {value}",
                value=value,
                reliable=True,
                used=True,
            ),
            EvidenceSource(
                source="Witness <via AFP> & co",
                report_id="afp-1",
                reported_at=DAY,
                figure="7",
                value=7,
                reliable=True,
                used=False,
            ),
        ],
    )
    return Alert(
        fingerprint=fingerprint,
        seq=seq,
        rule="children_killed_24h",
        group={"country": "SYR", "admin1": "Idlib"},
        group_key="SYR/Idlib",
        status=AlertStatus.RESOLVED if resolved else AlertStatus.FIRING,
        transition=transition,
        level=None if resolved else level,
        previous_level=previous_level,
        measure="children_killed",
        value=value,
        threshold=threshold,
        window_seconds=86400,
        window_start=DAY - timedelta(days=1),
        window_end=DAY,
        watermark=DAY,
        late=False,
        confidence=0.5,
        verification={"reported": value},
        evidence=[] if resolved else [incident],
        evidence_omitted=0,
        summary=f"{value} children killed in 24h in SYR / Idlib (threshold {threshold})",
    )
