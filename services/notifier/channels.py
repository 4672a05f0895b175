"""Settings -> channels: one per configured destination (channel names are metric labels)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from functools import partial
from typing import TextIO

import aiohttp

from schemas.alerts import Alert
from services.notifier.delivery import Channel, ConsoleChannel, HttpChannel, Request
from services.notifier.domain.ledger import Active
from services.notifier.domain.payloads import (
    alertmanager_payload,
    alertmanager_resend,
    pagerduty_payload,
    webhook_payload,
)
from services.notifier.domain.slack import slack_payload
from services.notifier.domain.text import alert_url
from services.notifier.settings import NotifierSettings


def _webhook(url: str, alert: Alert, active: Active | None, now: datetime) -> Request:
    # Receivers that honour Idempotency-Key drop the rare resend after a crash.
    key = {"Idempotency-Key": f"{alert.fingerprint}:{alert.seq}"}
    return Request(url, webhook_payload(alert), key)


def _slack(url: str, base: str, alert: Alert, active: Active | None, now: datetime) -> Request:
    return Request(url, slack_payload(alert, alert_url(base, alert)))


def _pagerduty(
    settings: NotifierSettings, key: str, alert: Alert, active: Active | None, now: datetime
) -> Request:
    event = pagerduty_payload(alert, key, alert_url(settings.alert_url_base, alert))
    target = settings.pagerduty_url if event.endpoint == "alert" else settings.pagerduty_change_url
    return Request(target, event.body)


def _alertmanager(
    settings: NotifierSettings, url: str, alert: Alert, active: Active | None, now: datetime
) -> Request:
    ttl = timedelta(seconds=settings.alertmanager_ttl)
    link = alert_url(settings.alert_url_base, alert)
    return Request(url, alertmanager_payload(alert, active, now, ttl, link))


def _alertmanager_active(
    settings: NotifierSettings, url: str, active: Sequence[Active], now: datetime
) -> Request:
    ttl = timedelta(seconds=settings.alertmanager_ttl)
    links = [alert_url(settings.alert_url_base, a.alert) for a in active]
    return Request(url, alertmanager_resend(active, now, ttl, links))


def build_channels(
    settings: NotifierSettings, session: aiohttp.ClientSession, stream: TextIO | None = None
) -> list[Channel]:
    timeout = settings.request_timeout
    channels: list[Channel] = []
    if settings.console:
        channels.append(ConsoleChannel(partial(alert_url, settings.alert_url_base), stream))
    for i, url in enumerate(settings.webhook_urls, start=1):
        channels.append(
            HttpChannel(f"webhook-{i}", partial(_webhook, url), session=session, timeout=timeout)
        )
    if settings.slack_webhook_url is not None:
        slack = partial(
            _slack, settings.slack_webhook_url.get_secret_value(), settings.alert_url_base
        )
        channels.append(
            HttpChannel(
                "slack",
                slack,
                session=session,
                timeout=timeout,
                min_interval=settings.slack_min_interval,
            )
        )
    if settings.pagerduty_routing_key is not None:
        key = settings.pagerduty_routing_key.get_secret_value()
        channels.append(
            HttpChannel(
                "pagerduty", partial(_pagerduty, settings, key), session=session, timeout=timeout
            )
        )
    if settings.alertmanager_url:
        url = settings.alertmanager_url.rstrip("/") + "/api/v2/alerts"
        channels.append(
            HttpChannel(
                "alertmanager",
                partial(_alertmanager, settings, url),
                render_active=partial(_alertmanager_active, settings, url),
                resend_interval=settings.alertmanager_resend_interval,
                session=session,
                timeout=timeout,
            )
        )
    return channels


NO_CHANNEL = (
    "no channel configured: every alert would be read and dropped. Set at least one of "
    "VIGIL_NOTIFIER_CONSOLE=true, VIGIL_NOTIFIER_WEBHOOK_URLS, VIGIL_NOTIFIER_SLACK_WEBHOOK_URL, "
    "VIGIL_NOTIFIER_PAGERDUTY_ROUTING_KEY, VIGIL_NOTIFIER_ALERTMANAGER_URL"
)
