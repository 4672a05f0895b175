"""Notifier settings from the environment, and which channels they switch on."""

from __future__ import annotations

import aiohttp
import pytest

from services.notifier.channels import build_channels
from services.notifier.settings import PAGERDUTY_EVENTS_V2_URL, NotifierSettings


def test_shared_vigil_variables_apply_and_notifier_ones_win(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("VIGIL_KAFKA_BOOTSTRAP", "127.0.0.1:19092")
    monkeypatch.setenv("VIGIL_HTTP_PORT", "9100")
    monkeypatch.setenv("VIGIL_NOTIFIER_HTTP_PORT", "9101")
    monkeypatch.setenv("VIGIL_MIN_LEVEL", "critical")  # not a shared field: ignored
    monkeypatch.setenv("VIGIL_NOTIFIER_WEBHOOK_URLS", "http://a/hook, http://b/hook")
    monkeypatch.setenv("VIGIL_NOTIFIER_PAGERDUTY_ROUTING_KEY", "secret-key")
    settings = NotifierSettings()
    assert settings.kafka_bootstrap == "127.0.0.1:19092"
    assert settings.http_port == 9101
    assert settings.min_level == "warning"
    assert settings.webhook_urls == ["http://a/hook", "http://b/hook"]
    assert settings.pagerduty_url == PAGERDUTY_EVENTS_V2_URL
    assert "secret-key" not in repr(settings)
    assert settings.group_id == "vigil-notifier"


def test_webhook_urls_accept_json() -> None:
    settings = NotifierSettings(webhook_urls='["http://a", "http://b"]')
    assert settings.webhook_urls == ["http://a", "http://b"]


async def test_only_configured_channels_are_active() -> None:
    async with aiohttp.ClientSession() as session:
        assert build_channels(NotifierSettings(), session) == []
        settings = NotifierSettings(
            webhook_urls=["http://a"],
            slack_webhook_url="https://hooks.slack.test/T/B/X",
            pagerduty_routing_key="rk",
            alertmanager_url="http://127.0.0.1:9093/",
        )
        channels = build_channels(settings, session)
        console = build_channels(NotifierSettings(console=True), session)
    assert [c.name for c in channels] == ["webhook-1", "slack", "pagerduty", "alertmanager"]
    assert [c.name for c in channels if c.keeps_active] == ["alertmanager"]
    assert [c.min_interval for c in channels] == [0.0, 1.0, 0.0, 0.0]
    assert [c.name for c in console] == ["console"]


def test_alertmanager_ends_a_few_resend_intervals_ahead() -> None:
    settings = NotifierSettings(alertmanager_resend_interval=30, alertmanager_ends_after=4)
    assert settings.alertmanager_ttl == 120
    with pytest.raises(ValueError):
        NotifierSettings(alertmanager_ends_after=1)
