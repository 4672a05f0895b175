"""Wiring: settings -> channels, Kafka clients, ledger, metrics endpoint; ``run`` until stopped."""

from __future__ import annotations

import asyncio
import logging

import aiohttp
from aiohttp import web
from aiokafka import AIOKafkaConsumer
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest

from services.common.errors import ConfigError
from services.common.kafka import create_topics
from services.common.operations import Operations
from services.common.publisher import make_producer
from services.common.transport import FETCH_MAX_WAIT_MS
from services.common.version import version
from services.notifier.channels import NO_CHANNEL, build_channels
from services.notifier.consumer import NotifierLoop
from services.notifier.ledger_store import LedgerStore, create_ledger_topic
from services.notifier.metrics import NotifierMetrics
from services.notifier.settings import NotifierSettings

log = logging.getLogger(__name__)


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
    """Run the notifier until ``stop`` is set. Raises ``ConfigError`` with no channel."""
    registry = registry if registry is not None else CollectorRegistry()
    async with aiohttp.ClientSession() as session:
        channels = build_channels(settings, session)
        if not channels:
            raise ConfigError(NO_CHANNEL)
        metrics = NotifierMetrics(registry)
        topics = settings.topics
        partitions = settings.topic_partitions
        await create_topics(
            settings.kafka_bootstrap, [topics.alerts, topics.deadletters], partitions
        )
        await create_ledger_topic(settings.kafka_bootstrap, topics.notifier_deliveries, partitions)
        operations = Operations("notifier", settings, registry)
        runner, url = await start_http(registry, settings.http_host, settings.http_port, operations)
        log.info("vigil %s notifier: metrics on %s/metrics", version(), url, extra={"url": url})
        names = ", ".join(c.name for c in channels)
        log.info("notifier channels: %s", names, extra={"channels": names})
        try:
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
            store = LedgerStore(settings.kafka_bootstrap, topics.notifier_deliveries, producer)
            try:
                await store.start()
                await consumer.start()
                try:
                    loop = NotifierLoop(
                        consumer=consumer,
                        producer=producer,
                        store=store,
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
                await store.stop()
                await producer.stop()
        finally:
            await runner.cleanup()
