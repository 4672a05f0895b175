"""Topic family ``vigil.alerts.*``: alert transitions (Alert v1).

One record per transition of one alert. ``fingerprint`` (rule + group) is stable for the
life of the alert; ``seq`` increases by one per transition of that fingerprint, so a
consumer drops any record whose seq it has already seen.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from schemas.reports import Verification


class AlertStatus(StrEnum):
    FIRING = "firing"
    RESOLVED = "resolved"


class Transition(StrEnum):
    FIRED = "fired"
    ESCALATED = "escalated"
    DEESCALATED = "deescalated"
    RESOLVED = "resolved"


class EvidenceSource(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    source: str
    report_id: str
    reported_at: AwareDatetime
    figure: str | None = Field(description="The source's figure as given, e.g. 'at least 10'.")
    value: int | None = Field(description="The number the rule's figure choice takes from it.")
    reliable: bool
    used: bool = Field(description="True for the source whose figure the incident counts.")


class EvidenceIncident(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    incident_id: str
    occurred_at: AwareDatetime
    region: str
    place: str | None
    event_type: str
    value: int = Field(description="What this incident adds to the alert's value.")
    verification: Verification
    sources: list[EvidenceSource]


class Alert(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    schema_version: Literal[1] = 1
    fingerprint: str = Field(description="Stable id of rule + group; dedup key downstream.")
    seq: int = Field(ge=1, description="Per-fingerprint transition number.")
    rule: str
    group: dict[str, str] = Field(description="The grouping fields, e.g. country and admin1.")
    group_key: str
    status: AlertStatus
    transition: Transition
    level: str | None = Field(description="Level now in force; None once resolved.")
    previous_level: str | None
    measure: str
    value: int = Field(description="The window total that caused this transition.")
    threshold: int | None = Field(description="Threshold of the level crossed (or left).")
    window_seconds: int
    window_start: AwareDatetime = Field(description="Exclusive start of the window (event time).")
    window_end: AwareDatetime = Field(description="Inclusive end of the window (event time).")
    watermark: AwareDatetime = Field(description="Event-time clock when this was decided.")
    late: bool = Field(
        description="True when late reports completed a crossing in a window already past."
    )
    confidence: float = Field(
        ge=0, le=1, description="Share of the value resting on confirmed or multi-source figures."
    )
    verification: dict[str, int] = Field(
        description="How much of the value rests on each verification status."
    )
    evidence: list[EvidenceIncident]
    evidence_omitted: int = Field(ge=0, description="Incidents left out of evidence (size cap).")
    summary: str = Field(description="One human line, e.g. for a pager.")
    kind: Literal["alert"] = "alert"

    def dedup_key(self) -> tuple[str, int]:
        return (self.fingerprint, self.seq)
