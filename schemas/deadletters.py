"""Topic family ``vigil.deadletters.*``: records a service could not decode or validate.

The original key, value and headers are kept byte for byte (base64) with where they came
from and why they were rejected, so a fixed record can be re-driven to its source topic.
"""

from __future__ import annotations

from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field


class DeadLetter(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    schema_version: Literal[1] = 1
    service: str
    reason: str = Field(description="Human-readable: what was wrong with the record.")
    error_type: str = Field(
        description="Why it was rejected, one of services.common.errors.RejectionKind: decode, "
        "validation, future, conflict, too_late, unplaced, too_large, too_many, delivery, io, "
        "encoding, export, redrive (values are only added; a consumer treats an unknown one "
        "like any rejection)."
    )
    source_topic: str
    source_partition: int
    source_offset: int
    key_b64: str | None
    value_b64: str | None
    headers: list[tuple[str, str]] = Field(description="(name, base64 value) pairs.")
    failed_at: AwareDatetime
