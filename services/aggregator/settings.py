"""Aggregator settings (env prefix VIGIL_AGGREGATOR_, plus the shared VIGIL_ ones)."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, field_validator
from pydantic_settings import SettingsConfigDict

from services.aggregator.domain.engine import EngineConfig
from services.aggregator.domain.incidents import CombinePolicy
from services.aggregator.domain.rules import RuleSet, load_rules, parse_duration
from services.common.settings import ServiceSettings

DEFAULT_RULES = Path(__file__).parent / "rules.yaml"


class AggregatorSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="VIGIL_AGGREGATOR_", frozen=True, extra="ignore")

    rules_file: Path = Field(default=DEFAULT_RULES, description="Alert rules (YAML).")
    lateness: str = Field(
        default="30d", description="How far behind the event-time clock a report may still count."
    )
    idle_after: str = Field(
        default="5m", description="Wall time without reports after which ticks move event time."
    )
    tick_interval_seconds: float = Field(
        default=10.0, ge=0, description="Seconds between idle ticks; 0 disables them."
    )
    unreliable_sources: list[str] = Field(
        default_factory=list, description="Sources whose figures count only if no other has one."
    )
    combine_policy: CombinePolicy = CombinePolicy.MAX_RELIABLE
    evidence_limit: int = Field(default=20, ge=1, le=500)
    id_retention: str = Field(
        default="365d",
        description="How long (event time of the country) a report_id is remembered after "
        "its report's position; never less than lateness plus the longest window.",
    )

    @field_validator("lateness", "idle_after", "id_retention")
    @classmethod
    def _duration(cls, value: str) -> str:
        parse_duration(value)
        return value

    def engine_config(self, rules: RuleSet | None = None) -> EngineConfig:
        return EngineConfig(
            rules=rules or load_rules(self.rules_file),
            lateness_seconds=parse_duration(self.lateness),
            idle_after_seconds=parse_duration(self.idle_after),
            unreliable_sources=frozenset(self.unreliable_sources),
            policy=self.combine_policy,
            evidence_limit=self.evidence_limit,
            guard=self.future_guard,
            id_retention_seconds=parse_duration(self.id_retention),
        )
