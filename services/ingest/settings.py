"""Settings of the ingest service (env prefix ``VIGIL_INGEST_``).

Shared settings (``kafka_bootstrap``, ``topic_prefix``, ``http_host``, ``http_port`` ...)
are read from ``VIGIL_<NAME>`` like every other service, and a ``VIGIL_INGEST_<NAME>``
variable overrides them for this service alone (``VIGIL_INGEST_HTTP_PORT=8081``).

``VIGIL_INGEST_TOKENS`` holds the accepted bearer tokens, either as a JSON list
(``'["tok-a", "tok-b"]'``) or comma-separated (``tok-a,tok-b``); surrounding spaces are
dropped. Several tokens let a client's token be rotated without downtime.
"""

from __future__ import annotations

import json
from typing import Annotated, Any

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import (
    NoDecode,
    SettingsConfigDict,
)

from services.common.settings import ServiceSettings

MIB = 1024 * 1024


class IngestSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="VIGIL_INGEST_", frozen=True, extra="ignore")

    tokens: Annotated[list[SecretStr], NoDecode] = Field(
        default_factory=list,
        description="Accepted bearer tokens: JSON list or comma-separated.",
    )
    max_body_bytes: int = Field(
        default=5 * MIB, ge=1, description="Largest request body accepted (413 above)."
    )
    max_items: int = Field(default=1000, ge=1, description="Most reports in one batch (413 above).")
    publish_timeout_seconds: float = Field(
        default=10.0, gt=0, description="Longest wait for broker acks before answering 503."
    )
    retry_after_seconds: int = Field(default=5, ge=1, description="Retry-After sent with a 503.")
    header_timeout_seconds: float = Field(
        default=10.0,
        gt=0,
        description="A request head not complete this long after its "
        "first byte is answered 408 and the connection closed.",
    )
    body_timeout_seconds: float = Field(
        default=30.0,
        gt=0,
        description="A body not complete this long after its head is "
        "answered 408 and the connection closed.",
    )
    idle_timeout_seconds: float = Field(
        default=30.0,
        gt=0,
        description="A connection that sends nothing this long (before "
        "its first request or between requests) is closed.",
    )
    log_repeat_seconds: float = Field(
        default=30.0,
        gt=0,
        description="The same warning or error (e.g. the broker is down) "
        "is logged at most once per this many seconds, with a count of those held back.",
    )

    @field_validator("tokens", mode="before")
    @classmethod
    def _split_tokens(cls, value: Any) -> Any:
        if isinstance(value, str):
            text = value.strip()
            value = json.loads(text) if text.startswith("[") else text.split(",")
        if isinstance(value, list):
            stripped = [t.strip() if isinstance(t, str) else t for t in value]
            return [t for t in stripped if t != ""]
        return value

    @field_validator("tokens")
    @classmethod
    def _no_blank_tokens(cls, value: list[SecretStr]) -> list[SecretStr]:
        if any(not t.get_secret_value() for t in value):
            raise ValueError("a token must not be empty")
        return value
