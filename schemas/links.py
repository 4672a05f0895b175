"""Topic family ``vigil.links.*``: analysts' decisions that two incidents are one (link) or
two (unlink) (LinkDecision v1).

Reports of different feeds share no incident_id; the aggregator's linker proposes which
describe one incident, and an analyst confirms or overrules it. A decision names two
incident ids of one country. The topic is compacted and keyed by the pair
(``LinkDecision.key``), so the latest word on each pair is kept for good: the aggregator
keeps it in its state, and ``vigil links export`` gives it to a replay. Records are
written to the partition of their country's reports (the country key's partition).
"""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import Literal, Self

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, model_validator

from schemas.reports import Identifier


class LinkAction(StrEnum):
    LINK = "link"
    """The two incidents are one: counted once (per measure the highest figure of any of
    their sources)."""
    UNLINK = "unlink"
    """The two incidents are distinct: never linked, whatever the linker's score."""


class LinkDecision(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)

    schema_version: Literal[1] = 1
    country: str = Field(pattern=r"^[A-Z]{3}$", description="ISO 3166-1 alpha-3 of both incidents.")
    incidents: tuple[Identifier, Identifier] = Field(
        description="The two incident_ids (as alert evidence shows them)."
    )
    action: LinkAction
    analyst: str = Field(min_length=1, max_length=200, description="Who decided.")
    reason: str | None = Field(default=None, max_length=2000, description="Why, in words.")
    decided_at: AwareDatetime = Field(
        description="When: of two decisions on one pair the later stands (an unlink on a tie)."
    )

    @model_validator(mode="after")
    def _two(self) -> Self:
        if self.incidents[0] == self.incidents[1]:
            raise ValueError("a decision names two different incidents")
        return self

    @property
    def pair(self) -> tuple[str, str]:
        a, b = self.incidents
        return (a, b) if a < b else (b, a)

    def key(self) -> bytes:
        """The compaction key: ``SYR/a|b`` (the pair in order)."""
        a, b = self.pair
        return f"{self.country}/{a}|{b}".encode()

    @classmethod
    def now(
        cls,
        country: str,
        a: str,
        b: str,
        action: LinkAction,
        analyst: str,
        reason: str | None = None,
        at: datetime | None = None,
    ) -> LinkDecision:
        """A decision taken now (or ``at``)."""
        return cls(
            country=country,
            incidents=(a, b),
            action=action,
            analyst=analyst,
            reason=reason,
            decided_at=at or datetime.now(UTC),
        )
