"""Classifier settings (env prefix VIGIL_CLASSIFIER_, plus the shared VIGIL_ ones)."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from services.common.settings import ServiceSettings

DEFAULT_SEVERITY = Path(__file__).parent / "severity.yaml"


class ClassifierSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="VIGIL_CLASSIFIER_", frozen=True, extra="ignore")

    severity_file: Path = Field(default=DEFAULT_SEVERITY, description="Severity levels (YAML).")
