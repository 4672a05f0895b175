"""Settings every service shares. Each service extends ``ServiceSettings`` with its own
env prefix; values come from the environment (or a .env file) and are built at start-up,
never at import. Tests construct them directly."""

from __future__ import annotations

from typing import TypeVar

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

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
    log_level: str = "info"
    broker_session_timeout: float = Field(
        default=10.0, description="Seconds; short values make workers join fast (see INFRA)."
    )
    broker_heartbeat_interval: float = 1.0

    @property
    def topics(self) -> Topics:
        return Topics(self.topic_prefix)


S = TypeVar("S", bound=ServiceSettings)


def load_settings(cls: type[S]) -> S:
    """Build a service's settings at start-up: the shared ``VIGIL_*`` environment values,
    overridden by the service's own prefix (e.g. ``VIGIL_CLASSIFIER_KAFKA_BOOTSTRAP``)."""
    shared = ServiceSettings().model_dump(exclude_unset=True)
    own = cls().model_dump(exclude_unset=True)
    return cls(**{**shared, **own})
