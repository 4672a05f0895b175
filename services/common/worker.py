"""Building and running a Faust worker the same way for every service.

Settings that matter on Tansu (see INFRA.md): short session timeouts so a worker joins its
group in ~2 s instead of ~30 s; raw serializers (services decode themselves, so a bad
record becomes a dead letter instead of a crash); the web server bound to the configured
loopback host and port, serving ``/metrics`` from the service's own registry.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import logging.config
import tempfile
import time
from collections.abc import Callable, Iterable
from typing import Any

import faust
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest

from services.common.broker import free_port
from services.common.logs import logging_config
from services.common.operations import faust_operations
from services.common.settings import ServiceSettings
from services.common.transport import App
from services.common.version import version

log = logging.getLogger(__name__)

BATCH_BYTES = 512 * 1024
"""Largest record batch a worker's producer builds (Kafka's default limit is 1 MiB)."""


def make_app(name: str, settings: ServiceSettings, registry: CollectorRegistry) -> App:
    port = settings.http_port or free_port(settings.http_host)
    app = App(
        f"{settings.app_id_prefix}-{name}",
        broker=[f"kafka://{host}" for host in settings.kafka_bootstrap.split(",")],
        store="memory://",
        datadir=settings.data_dir or tempfile.mkdtemp(prefix=f"vigil-{name}-"),
        topic_partitions=settings.topic_partitions,
        topic_replication_factor=1,
        broker_session_timeout=settings.broker_session_timeout,
        broker_heartbeat_interval=settings.broker_heartbeat_interval,
        consumer_auto_offset_reset="earliest",
        key_serializer="raw",
        value_serializer="raw",
        web_enabled=True,
        web_bind=settings.http_host,
        web_host=settings.http_host,
        web_port=port,
        web_in_thread=False,
        producer_acks=-1,
        # Measured (scripts/bench_classifier.py): 0 costs ~25% more CPU per record than
        # 5 ms, 20 ms saves ~8% more but adds its delay to every alert; batch size and
        # stream_buffer_maxsize made no difference.
        producer_linger=0.005,
        # Batch agents hand a whole input batch to one record batch per partition
        # (services/common/batches.py); at aiokafka's 16 KiB a batch of 200 reports would
        # be split in a dozen, each waiting for the one before it to be acknowledged.
        producer_max_batch_size=BATCH_BYTES,
        producer_max_request_size=2 * BATCH_BYTES,
        logging_config=logging_config(settings.log_format, settings.log_level, name),
    )

    keep_gc_pauses_short(app)

    @app.page("/metrics")
    async def metrics(self: Any, request: Any) -> Any:
        return self.bytes(generate_latest(registry), content_type=CONTENT_TYPE_LATEST.split(";")[0])

    faust_operations(app, name, settings, registry)  # /healthz, /readyz, lag, build info
    return app


GC_FREEZE_EVERY = 1.0
GC_FULL_EVERY = 600.0


def keep_gc_pauses_short(app: faust.App) -> None:
    """Keep Python's cyclic garbage collector from stopping a worker for long.

    A full (generation 2) collection walks every tracked object; with the aggregator's
    state that took 45-226 ms in the latency benchmark, and every report arriving
    meanwhile waited that long. Each second, ``gc.freeze`` moves the surviving objects
    out of the collector's view (reference counting still frees them as usual), so the
    collections that do run see only the last second's objects (measured: <= 17 ms).
    Reference cycles among frozen objects would never be freed, so every ten minutes
    everything is unfrozen and collected once: one full pause per ten minutes instead
    of several per minute."""
    last_full = time.monotonic()

    @app.timer(interval=GC_FREEZE_EVERY)  # type: ignore[untyped-decorator]
    async def freeze() -> None:
        nonlocal last_full
        if time.monotonic() - last_full >= GC_FULL_EVERY:
            last_full = time.monotonic()
            gc.unfreeze()
            gc.collect()
        gc.freeze()


async def kafka_producer(app: faust.App) -> Any:
    """The aiokafka producer under the app's Faust producer (started if need be): what
    ``services.common.batches.send_batches`` hands record batches to."""
    producer = await app.maybe_start_producer()
    return producer._ensure_producer()


def warm_topics(app: faust.App, names: Callable[[], Iterable[str]]) -> None:
    """Fetch the producer's metadata for the topics a worker writes to as soon as it
    starts: aiokafka otherwise asks for it on a topic's first record, which held the
    first alert after a start back by ~200 ms (measured with scripts/bench.py)."""

    @app.task  # type: ignore[untyped-decorator]
    async def warm() -> None:
        client = await kafka_producer(app)
        for name in names():
            try:
                await asyncio.wait_for(client.partitions_for(name), 10)
            except Exception as exc:  # a topic created later is looked up on first use
                log.info("no metadata yet for %s: %r", name, exc)


def metrics_url(app: faust.App) -> str:
    return f"http://{app.conf.web_host}:{app.conf.web_port}/metrics"


def use_uvloop() -> bool:
    """Run on uvloop when it is installed: ~11% less CPU per record than asyncio's loop
    (measured with scripts/bench_classifier.py). Must run before the app is built: mode
    caches the first loop any service asks for (``mode.utils.loops.get_event_loop``), and
    building a Faust app asks for one."""
    try:
        import uvloop
    except ImportError:
        return False
    asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())
    return True


def run_worker(build: Callable[[], faust.App], log_level: str = "info") -> None:
    """Build the app with ``build`` on uvloop (when installed) and run it until SIGINT or
    SIGTERM (Faust's worker installs the handlers)."""
    use_uvloop()
    app = build()
    loop = app.loop
    logging.config.dictConfig(dict(app.conf.logging_config))
    url = metrics_url(app)
    loop_name = f"{type(loop).__module__}.{type(loop).__name__}"
    log.info(
        "vigil %s %s: metrics at %s; event loop %s",
        version(),
        app.conf.id,
        url,
        loop_name,
        extra={"url": url},
    )
    worker = faust.Worker(app, loop=loop, loglevel=log_level.upper(), redirect_stdouts=False)
    # At WARNING and above Faust's terminal spinner sets the root logger to DEBUG (so it
    # spins on every message), which makes every debug call format a record.
    worker.spinner = None
    gc.freeze()  # what start-up built lives as long as the worker
    worker.execute_from_commandline()
