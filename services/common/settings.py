"""Settings every service shares. Each service extends ``ServiceSettings`` with its own
env prefix (which wins over the shared ``VIGIL_*`` variables); values come from the
environment and are built at start-up, never at import. Tests construct them directly."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator
from pydantic_settings import (
    BaseSettings,
    EnvSettingsSource,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
)

from services.common.eventtime import (
    DEFAULT_FUTURE_SKEW,
    FutureGuard,
    FutureReference,
    parse_duration,
)
from services.common.topics import Topics


class ServiceSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="VIGIL_", frozen=True, extra="ignore")

    kafka_bootstrap: str = Field(
        default="127.0.0.1:9092", description="Kafka bootstrap servers, host:port[,host:port]."
    )
    topic_prefix: str = Field(default="", description="Prefix for every topic name.")
    topic_partitions: int = Field(
        default=1, ge=1, description="Partitions for topics Vigil creates."
    )
    http_host: str = Field(default="127.0.0.1", description="Address of the metrics/HTTP server.")
    http_port: int = Field(default=0, ge=0, le=65535, description="0 picks a free port.")
    app_id_prefix: str = Field(default="vigil", description="Consumer group / app id prefix.")
    data_dir: str = Field(default="", description="Faust data dir; empty: a temporary one.")
    log_level: str = Field(default="info", description="debug, info, warning, error.")
    log_format: Literal["text", "json"] = Field(
        default="text", description="text (for people) or json (one object per line)."
    )
    probe_interval_seconds: float = Field(
        default=5.0,
        gt=0,
        description="How often the broker is probed (readiness) and consumer lag measured.",
    )
    broker_session_timeout: float = Field(
        default=10.0,
        gt=0,
        description="Seconds until the group takes a silent worker for dead (fail-over time); "
        "short values also make workers join Tansu fast.",
    )
    broker_heartbeat_interval: float = Field(
        default=1.0, gt=0, description="Seconds between heartbeats (at most a third of the above)."
    )
    broker_wait_seconds: float = Field(
        default=60.0,
        ge=0,
        description="At start-up, how long to retry an unreachable broker before exiting "
        "with code 3 (0: one attempt).",
    )
    future_skew: str = Field(
        default=DEFAULT_FUTURE_SKEW,
        description="How far after the reference time a report's occurred_at or reported_at "
        "may lie before it is refused as from the future (see services/common/eventtime.py).",
    )
    future_reference: FutureReference = Field(
        default=FutureReference.WALL,
        description="'wall' (live) or 'reported_at' (replays: each report's own issue time).",
    )

    @field_validator("future_skew")
    @classmethod
    def _skew(cls, value: str) -> str:
        parse_duration(value)
        return value

    @property
    def topics(self) -> Topics:
        return Topics(self.topic_prefix)

    @property
    def future_guard(self) -> FutureGuard:
        return FutureGuard(float(parse_duration(self.future_skew)), self.future_reference)

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        """A service's own prefix (``VIGIL_CLASSIFIER_HTTP_PORT``) wins over the shared
        ``VIGIL_*`` variables, which configure every service from one environment."""
        shared = EnvSettingsSource(ServiceSettings)
        return init_settings, env_settings, shared, dotenv_settings, file_secret_settings
