"""Notifier settings (env prefix ``VIGIL_NOTIFIER_``; shared ones keep ``VIGIL_``).

A channel is active only when configured: ``console`` writes each message to the
service's log, each URL in ``webhook_urls``, Slack when ``slack_webhook_url`` is set, PagerDuty
when ``pagerduty_routing_key`` is set, Alertmanager when ``alertmanager_url`` is set. With
no channel at all the notifier refuses to start. Lists accept JSON
(``["http://a", "http://b"]``) or comma-separated text.
"""

from __future__ import annotations

import json
from typing import Annotated, Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import (
    NoDecode,
    SettingsConfigDict,
)

from services.common.settings import ServiceSettings
from services.notifier.domain.retry import RetryPolicy

PAGERDUTY_EVENTS_V2_URL = "https://events.pagerduty.com/v2/enqueue"
PAGERDUTY_CHANGE_EVENTS_URL = "https://events.pagerduty.com/v2/change/enqueue"


class NotifierSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="VIGIL_NOTIFIER_", frozen=True, extra="ignore")

    console: bool = Field(
        default=False,
        description="Write every message to the service's log (standard error; a channel).",
    )
    webhook_urls: Annotated[list[str], NoDecode] = Field(
        default_factory=list, description="Generic webhooks; each gets the Alert JSON."
    )
    slack_webhook_url: SecretStr | None = Field(
        default=None, description="Slack incoming-webhook URL (it embeds a token)."
    )
    slack_min_interval: float = Field(
        default=1.0, ge=0, description="Seconds between two Slack posts (Slack: 1 message/s)."
    )
    pagerduty_routing_key: SecretStr | None = Field(
        default=None, description="PagerDuty Events API v2 integration (routing) key."
    )
    pagerduty_url: str = Field(default=PAGERDUTY_EVENTS_V2_URL)
    pagerduty_change_url: str = Field(
        default=PAGERDUTY_CHANGE_EVENTS_URL,
        description="Change events (updates, late notices: never a page).",
    )
    alertmanager_url: str | None = Field(
        default=None, description="Alertmanager base URL; alerts go to <url>/api/v2/alerts."
    )
    alertmanager_resend_interval: float = Field(
        default=60.0,
        gt=0,
        description="Seconds between re-sends of every active alert (also sent at start-up).",
    )
    alertmanager_ends_after: int = Field(
        default=4,
        ge=2,
        description="endsAt of an active alert is this many re-send intervals ahead.",
    )
    alert_url_base: str = Field(
        default="http://127.0.0.1:8080",
        description="Base of each alert's page: generatorURL and links are "
        "<alert_url_base>/alerts/<fingerprint>.",
    )
    min_level: str = Field(
        default="warning", description="Send transitions at or above this level (or leaving it)."
    )
    retry_base_delay: float = Field(default=0.5, gt=0)
    retry_max_delay: float = Field(default=60.0, gt=0)
    retry_max_attempts: int | None = Field(
        default=None,
        ge=1,
        description="None: retry until delivered (the alert stays pending); a number: "
        "after that many failed attempts the alert goes to the dead-letter topic.",
    )
    retry_after_max: float = Field(
        default=600.0,
        gt=0,
        description="Longest wait a Retry-After header can ask for (seconds).",
    )
    give_up_after: float | None = Field(
        default=None,
        gt=0,
        description="Seconds an alert may stay undelivered on a channel before it goes to "
        "the dead-letter topic (re-drive it later); None: never.",
    )
    request_timeout: float = Field(default=10.0, gt=0, description="Seconds per HTTP request.")
    queue_size: int = Field(default=1000, ge=1, description="Pending alerts per channel.")
    shutdown_grace: float = Field(
        default=5.0, ge=0, description="Seconds to finish pending deliveries on SIGTERM."
    )
    auto_offset_reset: Literal["earliest", "latest"] = Field(
        default="earliest",
        description="Where a new consumer group starts. earliest never skips an alert but "
        "replays the topic's history once; use latest for a new group on an old topic.",
    )

    @field_validator("webhook_urls", mode="before")
    @classmethod
    def _split_urls(cls, value: object) -> object:
        if isinstance(value, str):
            text = value.strip()
            if text.startswith("["):
                return json.loads(text)
            return [part.strip() for part in text.split(",") if part.strip()]
        return value

    @property
    def group_id(self) -> str:
        return f"{self.app_id_prefix}-notifier"

    @property
    def alertmanager_ttl(self) -> float:
        """How far ahead endsAt of an active alert lies (seconds)."""
        return self.alertmanager_resend_interval * self.alertmanager_ends_after

    def retry_policy(self) -> RetryPolicy:
        return RetryPolicy(
            base_delay=self.retry_base_delay,
            max_delay=max(self.retry_max_delay, self.retry_base_delay),
            max_attempts=self.retry_max_attempts,
        )
