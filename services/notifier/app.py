"""Wiring: settings -> channels, Kafka clients, metrics endpoint; ``run`` until stopped."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from datetime import datetime
from functools import partial

import aiohttp
from aiohttp import web
from aiokafka import AIOKafkaConsumer
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest

from schemas.alerts import Alert
from services.common.kafka import create_topics
from services.common.operations import Operations
from services.common.publisher import make_producer
from services.common.transport import FETCH_MAX_WAIT_MS
from services.common.version import version
from services.notifier.consumer import NotifierLoop
from services.notifier.delivery import HttpChannel
from services.notifier.domain.payloads import (
    JSON,
    alertmanager_payload,
    pagerduty_payload,
    webhook_payload,
)
from services.notifier.domain.slack import slack_payload
from services.notifier.metrics import NotifierMetrics
from services.notifier.settings import NotifierSettings

log = logging.getLogger(__name__)


def _idempotency_key(alert: Alert) -> Mapping[str, str]:
    return {"Idempotency-Key": f"{alert.fingerprint}:{alert.seq}"}


def _webhook(alert: Alert, now: datetime) -> JSON:
    return webhook_payload(alert)


def _slack(alert: Alert, now: datetime) -> JSON:
    return slack_payload(alert)


def _pagerduty(routing_key: str, alert: Alert, now: datetime) -> JSON:
    return pagerduty_payload(alert, routing_key)


def _alertmanager(settings: NotifierSettings, alert: Alert, now: datetime) -> list[JSON]:
    return alertmanager_payload(alert, now, settings.alertmanager_firing_for)


def build_channels(settings: NotifierSettings, session: aiohttp.ClientSession) -> list[HttpChannel]:
    """One channel per configured destination; channel names are metric labels."""
    timeout = settings.request_timeout
    channels = [
        HttpChannel(
            f"webhook-{i}",
            url,
            _webhook,
            session=session,
            timeout=timeout,
            headers=_idempotency_key,
        )
        for i, url in enumerate(settings.webhook_urls, start=1)
    ]
    if settings.slack_webhook_url is not None:
        url = settings.slack_webhook_url.get_secret_value()
        channels.append(HttpChannel("slack", url, _slack, session=session, timeout=timeout))
    if settings.pagerduty_routing_key is not None:
        render = partial(_pagerduty, settings.pagerduty_routing_key.get_secret_value())
        channels.append(
            HttpChannel(
                "pagerduty", settings.pagerduty_url, render, session=session, timeout=timeout
            )
        )
    if settings.alertmanager_url:
        url = settings.alertmanager_url.rstrip("/") + "/api/v2/alerts"
        render_am = partial(_alertmanager, settings)
        channels.append(
            HttpChannel("alertmanager", url, render_am, session=session, timeout=timeout)
        )
    return channels


async def start_http(
    registry: CollectorRegistry, host: str, port: int, operations: Operations
) -> tuple[web.AppRunner, str]:
    """``/metrics``, ``/healthz`` and ``/readyz``; port 0 picks a free one. Returns the
    runner and base URL."""

    async def metrics(_: web.Request) -> web.Response:
        body = generate_latest(registry)
        return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})

    http = web.Application()
    http.router.add_get("/metrics", metrics)
    operations.routes(http)
    runner = web.AppRunner(http, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, host, port)
    await site.start()
    bound_host, bound_port = runner.addresses[0][:2]
    return runner, f"http://{bound_host}:{bound_port}"


async def run(
    settings: NotifierSettings,
    stop: asyncio.Event,
    registry: CollectorRegistry | None = None,
) -> None:
    """Run the notifier until ``stop`` is set."""
    registry = registry if registry is not None else CollectorRegistry()
    metrics = NotifierMetrics(registry)
    topics = settings.topics
    await create_topics(
        settings.kafka_bootstrap, [topics.alerts, topics.deadletters], settings.topic_partitions
    )
    operations = Operations("notifier", settings, registry)
    runner, url = await start_http(registry, settings.http_host, settings.http_port, operations)
    log.info("vigil %s notifier: metrics on %s/metrics", version(), url, extra={"url": url})
    try:
        async with aiohttp.ClientSession() as session:
            channels = build_channels(settings, session)
            if not channels:
                log.warning("no channel configured: alerts are read and committed, not sent")
            log.info("notifier channels: %s", ", ".join(c.name for c in channels) or "none")
            producer = make_producer(settings.kafka_bootstrap)
            consumer = AIOKafkaConsumer(
                bootstrap_servers=settings.kafka_bootstrap,
                group_id=settings.group_id,
                enable_auto_commit=False,
                auto_offset_reset=settings.auto_offset_reset,
                session_timeout_ms=int(settings.broker_session_timeout * 1000),
                heartbeat_interval_ms=int(settings.broker_heartbeat_interval * 1000),
                fetch_max_wait_ms=FETCH_MAX_WAIT_MS,  # see services/common/transport.py
            )
            await producer.start()
            try:
                await consumer.start()
                try:
                    loop = NotifierLoop(
                        consumer=consumer,
                        producer=producer,
                        channels=channels,
                        settings=settings,
                        metrics=metrics,
                    )
                    consumer.subscribe([topics.alerts], listener=loop.rebalance_listener())
                    operations.watch_consumer(
                        consumer, settings.group_id, settings.auto_offset_reset
                    )
                    operations.start()
                    await loop.run(stop)
                finally:
                    await operations.stop()
                    await consumer.stop()
            finally:
                await producer.stop()
    finally:
        await runner.cleanup()
