"""Aggregator settings (env prefix VIGIL_AGGREGATOR_, plus the shared VIGIL_ ones)."""

from __future__ import annotations

from pathlib import Path
from typing import Self

from pydantic import Field, field_validator, model_validator
from pydantic_settings import SettingsConfigDict

from services.aggregator.domain.engine import EngineConfig
from services.aggregator.domain.incidents import CombinePolicy
from services.aggregator.domain.linking.scoring import DEFAULT_CONFUSIONS, LinkPolicy, LinkSettings
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

    link_policy: LinkPolicy = Field(
        default=LinkPolicy.AUTO,
        description="Reports of different feeds that share no incident_id: off (never "
        "linked), suggest (scored and shown as suspected duplicates), auto (mutual best "
        "pairs at or above link_auto_threshold counted as one incident).",
    )
    link_auto_threshold: float = Field(
        default=0.9, gt=0, le=1, description="Score from which a mutual best pair is linked."
    )
    link_suggest_threshold: float = Field(
        default=0.5, gt=0, le=1, description="Score from which a pair is a suspected duplicate."
    )
    link_day_tolerance: int = Field(
        default=1, ge=0, le=7, description="Days apart two reports of one incident may be."
    )
    link_near_km: float = Field(
        default=10.0, gt=0, le=100, description="Coordinates this close make candidates."
    )
    link_confusions: list[tuple[str, str]] = Field(
        default_factory=lambda: list(DEFAULT_CONFUSIONS),
        description="Pairs of governorates sources confuse (JSON list of pairs).",
    )

    @field_validator("lateness", "idle_after", "id_retention")
    @classmethod
    def _duration(cls, value: str) -> str:
        parse_duration(value)
        return value

    @model_validator(mode="after")
    def _links_inside_lateness(self) -> Self:
        # An incident is pruned once its position is the lateness (plus the longest
        # window) behind the clock; the incidents whose group changes then lie at most
        # twice the day tolerance from it, so regrouping them must not reach a live window.
        if 2 * self.link_day_tolerance * 86400 >= parse_duration(self.lateness):
            raise ValueError(
                f"link_day_tolerance {self.link_day_tolerance} d needs a lateness of more than "
                f"{2 * self.link_day_tolerance} d (it is {self.lateness})"
            )
        return self

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
            linking=self.link_settings(),
        )

    def link_settings(self) -> LinkSettings:
        return LinkSettings(
            policy=self.link_policy,
            auto_threshold=self.link_auto_threshold,
            suggest_threshold=min(self.link_suggest_threshold, self.link_auto_threshold),
            day_tolerance=self.link_day_tolerance,
            near_km=self.link_near_km,
            confusions=tuple((a, b) for a, b in self.link_confusions),
        )
