"""Extractor settings (env prefix VIGIL_EXTRACTOR_, plus the shared VIGIL_ ones)."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from services.common.settings import ServiceSettings


class ExtractorSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="VIGIL_EXTRACTOR_", frozen=True, extra="ignore")

    default_country: str | None = Field(
        default=None,
        pattern=r"^[A-Z]{3}$",
        description="ISO3 country for texts that name none (a record's vigil-country header wins).",
    )
