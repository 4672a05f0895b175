"""Topic family ``vigil.incidents.*``: reports after classification (ClassifiedIncident v1)."""

from __future__ import annotations

from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from schemas.reports import IncidentReport


class Severity(StrEnum):
    NONE = "none"
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"


class RegionRef(BaseModel):
    """A normalised region: the key every count is grouped by."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    country: str = Field(pattern=r"^[A-Z]{3}$")
    admin1: str | None = Field(default=None, description="Canonical governorate name.")
    admin2: str | None = None
    known: bool = Field(description="False when admin1 was not in the gazetteer (kept raw).")

    @property
    def key(self) -> str:
        """``SYR/Idlib``; ``SYR/?`` when the report named no first-level region."""
        return f"{self.country}/{self.admin1 or '?'}"


class ClassifiedIncident(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    schema_version: Literal[1] = 1
    report: IncidentReport
    region: RegionRef
    severity: Severity
    reasons: list[str] = Field(description="Why this severity, one line per rule that matched.")
