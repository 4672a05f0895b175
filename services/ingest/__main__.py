"""Run the ingest service: ``python -m services.ingest``.

Binds ``VIGIL_HTTP_HOST``:``VIGIL_HTTP_PORT`` (0 picks a free port), prints the bound
URL, and stops cleanly on SIGINT or SIGTERM; ``--help`` prints its settings. The Kafka
producer is started on the first request, so the service starts (and answers 503) while
the broker is down. Meanwhile it makes sure the reports topic exists (created with
``VIGIL_TOPIC_PARTITIONS`` partitions, not the broker's default), retrying in the
background with one line per failed attempt until the broker answers. Header, body and
idle timeouts and the redacting access log: ``services/ingest/server.py``.
"""

from __future__ import annotations

import asyncio
import logging
import signal
import sys

from prometheus_client import CollectorRegistry

from services.common.errors import ConfigError
from services.common.logs import configure_logging, quiet_repeats
from services.common.operations import Operations
from services.common.publisher import make_producer
from services.common.startup import (
    BrokerUnreachable,
    TopicNeed,
    ensure_topics,
    handle_args,
    load_settings,
)
from services.common.version import version
from services.ingest.app import build_app
from services.ingest.metrics import IngestMetrics
from services.ingest.server import serve
from services.ingest.settings import IngestSettings

log = logging.getLogger("services.ingest")


async def run(settings: IngestSettings) -> None:
    if not settings.tokens:
        raise ConfigError("VIGIL_INGEST_TOKENS is empty: every request would be refused")
    timeout_ms = int(settings.publish_timeout_seconds * 1000)
    producer = make_producer(settings.kafka_bootstrap, request_timeout_ms=max(timeout_ms, 1000))
    registry = CollectorRegistry()
    operations = Operations("ingest", settings, registry)
    metrics = IngestMetrics(registry)
    app = build_app(settings, producer, metrics, operations)
    runner, server, port = await serve(app, settings, lambda: metrics.timed_out("header"))
    url = f"http://{settings.http_host}:{port}"
    log.info("vigil %s ingest listening on %s", version(), url, extra={"url": url})
    operations.start()
    topics = asyncio.create_task(ensure_reports_topic(settings))
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    try:
        await stop.wait()
    finally:
        server.close()
        topics.cancel()
        await operations.stop()
        await runner.cleanup()  # finishes requests, stops the producer


async def ensure_reports_topic(settings: IngestSettings, backoff: float = 2.0) -> None:
    need = [TopicNeed(settings.topics.reports)]
    while True:
        try:
            created = await ensure_topics(settings.kafka_bootstrap, need, settings.topic_partitions)
        except BrokerUnreachable as exc:
            log.warning(
                "vigil ingest: Kafka at %s unreachable (%s); answering 503, next try in %.0f s",
                settings.kafka_bootstrap,
                exc,
                backoff,
            )
            await asyncio.sleep(backoff)
            backoff = min(backoff * 2, 60.0)
            continue
        if created:
            log.info("vigil ingest: created topic %s", created[0])
        return


def main() -> int:
    handle_args("ingest", IngestSettings, sys.argv[1:])
    settings = load_settings("ingest", IngestSettings)
    configure_logging(settings.log_format, settings.log_level, "ingest")
    quiet_repeats(settings.log_repeat_seconds)
    try:
        asyncio.run(run(settings))
    except ConfigError as exc:
        print(f"vigil ingest: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
