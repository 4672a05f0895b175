"""A realistic Alert to try channels with (``vigil notify test``, tests, demos)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from schemas.alerts import Alert, AlertStatus, EvidenceIncident, EvidenceSource, Transition
from schemas.reports import Precision, Verification

DAY = datetime(2024, 12, 1, tzinfo=UTC)
TEST_FINGERPRINT = "vigil_notify_test:0000000000000000"


def sample_alert(
    *,
    seq: int = 1,
    transition: Transition = Transition.FIRED,
    level: str | None = "critical",
    previous_level: str | None = None,
    value: int = 25,
    threshold: int | None = 10,
    fingerprint: str = "children_killed_24h:5f1a9c3e2b7d4a60",
    test: bool = False,
) -> Alert:
    """Children killed in Idlib on 2024-12-01 (the wire story in the domain notes); with
    ``test`` it says so and has a fingerprint of its own."""
    resolved = transition is Transition.RESOLVED
    incident = EvidenceIncident(
        incident_id="inc-idlib-2024-12-01",
        occurred_at=DAY,
        occurred_precision=Precision.DAY,
        region="SYR/Idlib",
        place="Idlib city",
        event_type="air_strike",
        value=value,
        verification=Verification.REPORTED,
        alleged_perpetrators=["Syrian government", "Russia"],
        sources=[
            EvidenceSource(
                source="White Helmets",
                kind="ngo",
                report_id="wh-1",
                reported_at=DAY + timedelta(days=1, hours=7),
                figure=f"at least {value}",
                value=value,
                reliable=True,
                used=True,
            ),
            EvidenceSource(
                source="Witness <via AFP> & co",
                kind="witness",
                report_id="afp-1",
                reported_at=DAY + timedelta(days=1, hours=7),
                figure="7",
                value=7,
                reliable=True,
                used=False,
            ),
        ],
    )
    shown = level or previous_level or "critical"
    summary = f"At least {value} children killed in Idlib, SYR on 2024-12-01: " + (
        f"resolved (was {shown})" if resolved else f"{shown} (threshold {threshold} in 24 h)"
    )
    return Alert(
        fingerprint=TEST_FINGERPRINT if test else fingerprint,
        seq=seq,
        rule="children_killed_24h",
        description="Children killed in one governorate within 24 hours.",
        group={"country": "SYR", "admin1": "Idlib"},
        group_key="SYR/Idlib",
        status=AlertStatus.RESOLVED if resolved else AlertStatus.FIRING,
        transition=transition,
        level=None if resolved else level,
        previous_level=previous_level,
        measure="children_killed",
        value=value,
        value_text=f"at least {value}",
        threshold=threshold,
        window_seconds=86400,
        window_start=DAY - timedelta(days=1),
        window_end=DAY,
        period="2024-12-01",
        period_first=date(2024, 12, 1),
        period_last=date(2024, 12, 1),
        watermark=DAY,
        late=False,
        confidence=0.0,
        verification={"reported": value},
        verification_text="2 sources: White Helmets (NGO), Witness <via AFP> & co (witness). "
        "Not independently confirmed. Lower figures from Witness <via AFP> & co do not "
        "confirm the higher ones.",
        perpetrators=["Syrian government", "Russia"],
        evidence=[] if resolved else [incident],
        evidence_omitted=0,
        summary=("TEST (vigil notify test): " if test else "") + summary,
    )
