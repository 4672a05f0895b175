"""Settings of the console (env prefix ``VIGIL_CONSOLE_``, plus the shared ``VIGIL_*``).

The console rebuilds the aggregator's state from its changelogs with the aggregator's
own engine, so it reads the aggregator's settings too (``VIGIL_AGGREGATOR_RULES_FILE``,
``..._COMBINE_POLICY``, ``..._UNRELIABLE_SOURCES``): give both services the same ones.

Read access: with neither ``VIGIL_CONSOLE_TOKENS`` nor ``VIGIL_CONSOLE_USERS`` set, every
page and API answers without credentials (the default binds 127.0.0.1 only). With either
set, every page and ``/v1`` endpoint needs ``Authorization: Bearer <token>`` or HTTP
Basic ``user:password`` (a browser asks for it); ``/healthz``, ``/readyz`` and
``/metrics`` stay open, as on every service. Both are lists: JSON or comma-separated.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import NoDecode, SettingsConfigDict

from services.common.settings import ServiceSettings, split_list


class ConsoleSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="VIGIL_CONSOLE_", frozen=True, extra="ignore")

    tokens: Annotated[list[SecretStr], NoDecode] = Field(
        default_factory=list,
        description="Bearer tokens accepted for read access (JSON list or comma-separated); "
        "none and no users: open.",
    )
    users: Annotated[list[SecretStr], NoDecode] = Field(
        default_factory=list,
        description="HTTP Basic credentials 'user:password' accepted for read access (JSON "
        "list or comma-separated).",
    )
    chart_days: int = Field(
        default=7, ge=1, le=400, description="Days of event time an alert page's chart shows."
    )
    history_limit: int = Field(
        default=200, ge=1, le=100_000, description="Transitions kept per alert (the newest)."
    )
    refresh_seconds: int = Field(
        default=30, ge=0, description="The console page reloads itself this often (0: never)."
    )

    @field_validator("tokens", "users", mode="before")
    @classmethod
    def _lists(cls, value: Any) -> Any:
        return split_list(value)

    @field_validator("users")
    @classmethod
    def _user_password(cls, value: list[SecretStr]) -> list[SecretStr]:
        for entry in value:
            user, sep, password = entry.get_secret_value().partition(":")
            if not sep or not user or not password:
                raise ValueError("each user is 'name:password' (both non-empty)")
        return value

    @field_validator("tokens")
    @classmethod
    def _no_blank(cls, value: list[SecretStr]) -> list[SecretStr]:
        if any(not t.get_secret_value() for t in value):
            raise ValueError("a token must not be empty")
        return value

    @property
    def protected(self) -> bool:
        return bool(self.tokens or self.users)
