"""Topic family ``vigil.alerts.*``: alert transitions (Alert v2, on ``vigil.alerts.v2``).

One record per transition of one alert. ``fingerprint`` (rule + group) is stable for the
life of the alert; ``seq`` increases by one per transition of that fingerprint, so a
consumer drops any record whose seq it has already seen.

v2 (schemas/COMPATIBILITY.md: a new enum value is a breaking change, so a new version):
the transitions ``updated`` (a rising toll while the level holds: no new page) and
``late`` (one notice about a past window, the level in force unchanged) are new. Also new,
all optional with defaults: ``description``, ``value_text``, ``period``, ``period_first``,
``period_last``, ``verification_text``, ``perpetrators``, ``peak_level``, ``levels`` and
the ranks ``level_rank``, ``previous_level_rank``, ``peak_level_rank``, and in the
evidence ``kind``, ``occurred_precision``, ``alleged_perpetrators``, ``confirmed_by``.
v1 (``schemas/json/alert.v1.schema.json``, frozen) is no longer written.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from schemas.reports import Precision, Verification


class AlertStatus(StrEnum):
    FIRING = "firing"
    RESOLVED = "resolved"


class Transition(StrEnum):
    FIRED = "fired"
    ESCALATED = "escalated"
    DEESCALATED = "deescalated"
    RESOLVED = "resolved"
    UPDATED = "updated"
    """The level is unchanged but the value rose by the rule's ``update_step`` since it
    was last announced: worth telling, not worth a new page."""
    LATE = "late"
    """News about the past: late reports completed a crossing in a window already behind
    the event-time clock. The level in force is unchanged (``level``); the level that
    past window reached is ``peak_level``; ``window_*`` and ``period`` say when."""


class EvidenceSource(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    source: str
    kind: str | None = Field(
        default=None, description="The source's kind: ngo, media, government, witness, ..."
    )
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
    occurred_precision: Precision | None = Field(
        default=None, description="day: only the calendar date of occurred_at is meant."
    )
    region: str
    place: str | None
    event_type: str
    value: int = Field(description="What this incident adds to the alert's value.")
    verification: Verification = Field(
        description="confirmed only when the counted figure's own source says so or another "
        "source gives at least the same figure (a lower figure never confirms a higher one)."
    )
    confirmed_by: list[str] = Field(
        default_factory=list,
        description="Other sources whose figure is at least the counted one.",
    )
    alleged_perpetrators: list[str] = Field(default_factory=list)
    sources: list[EvidenceSource]


class Alert(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    schema_version: Literal[2] = 2
    fingerprint: str = Field(description="Stable id of rule + group; dedup key downstream.")
    seq: int = Field(ge=1, description="Per-fingerprint transition number.")
    rule: str
    description: str = Field(default="", description="The rule's description.")
    group: dict[str, str] = Field(description="The grouping fields, e.g. country and admin1.")
    group_key: str
    status: AlertStatus
    transition: Transition
    level: str | None = Field(description="Level now in force; None once resolved.")
    previous_level: str | None
    levels: list[str] = Field(
        default_factory=list,
        description="The rule's level names, lowest first: a level's rank is its position "
        "here counted from 1. Rules name their levels freely; order levels by rank, not name.",
    )
    level_rank: int | None = Field(
        default=None,
        ge=1,
        description="Rank of ``level`` in ``levels`` (1 = lowest); None once resolved.",
    )
    previous_level_rank: int | None = Field(
        default=None, ge=1, description="Rank of ``previous_level`` in ``levels``."
    )
    measure: str
    value: int = Field(description="The window total that caused this transition.")
    value_text: str = Field(
        default="",
        description="The value with the qualifiers of the figures behind it, e.g. 'at least 25'.",
    )
    threshold: int | None = Field(description="Threshold of the level crossed (or left).")
    window_seconds: int
    window_start: AwareDatetime = Field(description="Exclusive start of the window (event time).")
    window_end: AwareDatetime = Field(
        description="Inclusive end of the window (event time). A day-precision incident sits "
        "at 00:00 UTC of its day, so a 24 h window ending 2024-12-01T00:00Z holds the incidents "
        "of 1 Dec: read ``period`` for the days, not these bounds."
    )
    period: str = Field(
        default="",
        description="When the incidents behind the value happened, as an analyst reads it: "
        "'1 Dec 2024', '28 Nov - 1 Dec 2024' or '1 Dec 2024 03:00 - 18:00 UTC'.",
    )
    period_first: date | None = Field(
        default=None, description="UTC calendar day of the earliest incident counted."
    )
    period_last: date | None = Field(
        default=None, description="UTC calendar day of the latest incident counted."
    )
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
    verification_text: str = Field(
        default="",
        description="In words: how many sources, which, their kinds, whether an independent "
        "one confirmed the figures.",
    )
    perpetrators: list[str] = Field(
        default_factory=list, description="Alleged perpetrators named in the evidence."
    )
    peak_level: str | None = Field(
        default=None, description="Late notices only: the level the past window reached."
    )
    peak_level_rank: int | None = Field(
        default=None, ge=1, description="Rank of ``peak_level`` in ``levels``."
    )
    evidence: list[EvidenceIncident]
    evidence_omitted: int = Field(ge=0, description="Incidents left out of evidence (size cap).")
    summary: str = Field(description="One human line, e.g. for a pager.")
    kind: Literal["alert"] = "alert"

    def dedup_key(self) -> tuple[str, int]:
        return (self.fingerprint, self.seq)
