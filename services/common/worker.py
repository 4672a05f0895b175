"""Building and running a Faust worker the same way for every service.

Settings that matter on Tansu (docs/infrastructure.md, sections group-timeouts and
faust-web): short session timeouts so a worker joins its group in ~2 s instead of ~30 s;
raw serializers (services decode themselves, so a bad record becomes a dead letter
instead of a crash); the web server bound to the configured loopback host and port,
serving ``/metrics`` from the service's own registry.
"""

from __future__ import annotations

import asyncio
import gc
import hashlib
import json
import logging
import logging.config
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Sequence
from typing import Any, TypeVar

import faust
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest

from services.common.errors import ConfigError
from services.common.faust_internals import aiokafka_producer
from services.common.logs import logging_config
from services.common.net import free_port
from services.common.operations import faust_operations
from services.common.settings import ServiceSettings
from services.common.startup import (
    EXIT_CONFIG,
    TopicNeed,
    fail,
    handle_args,
    load_settings,
    prepare,
)
from services.common.topics import Topics
from services.common.transport import App
from services.common.version import version

log = logging.getLogger(__name__)

S = TypeVar("S", bound=ServiceSettings)

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
    report_recovered_tables(app)

    @app.page("/metrics")
    async def metrics(self: Any, request: Any) -> Any:
        return self.bytes(generate_latest(registry), content_type=CONTENT_TYPE_LATEST.split(";")[0])

    faust_operations(app, name, settings, registry)  # /healthz, /readyz, lag, build info
    return app


def table_digest(items: Iterable[tuple[bytes, bytes]]) -> str:
    """SHA-256 over a table's (key, value) pairs in key order: equal digests, equal tables."""
    digest = hashlib.sha256()
    for key, value in sorted(items):
        digest.update(len(key).to_bytes(4, "big") + key + len(value).to_bytes(4, "big") + value)
    return digest.hexdigest()


def report_recovered_tables(app: faust.App) -> None:
    """After every table recovery, before any input is processed, log one line
    ``tables recovered {json}``: per changelog topic the offsets read to (end offset per
    partition), the keys held and their digest, and the seconds since the worker started.
    Operators read from it what a fail-over cost; the crash test compares it with the
    changelog topics it reads itself."""
    started = time.monotonic()

    async def recovered(sender: Any, **kwargs: Any) -> None:
        if not app.tables:
            return
        manager: Any = app.tables  # TableManager; its type stub lacks ``recovery``
        highwaters = manager.recovery.active_highwaters
        tables = {}
        for table in app.tables.values():
            topic = table.changelog_topic.get_topic_name()
            ends = {tp.partition: hw + 1 for tp, hw in highwaters.items() if tp.topic == topic}
            items = [(bytes(k), bytes(v)) for k, v in table.data.items()]
            tables[topic] = {"ends": ends, "keys": len(items), "sha256": table_digest(items)}
        line = {"seconds_since_start": round(time.monotonic() - started, 3), "tables": tables}
        log.info("tables recovered %s", json.dumps(line, sort_keys=True))

    app.on_rebalance_complete.connect(recovered)  # type: ignore[arg-type]  # mode stubs


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
    return aiokafka_producer(await app.maybe_start_producer())


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


def run_worker(
    service: str,
    settings_cls: type[S],
    build: Callable[[S], faust.App],
    needs: Callable[[Topics], Sequence[TopicNeed]],
) -> None:
    """``python -m services.<service>``: ``--help``, or read the settings, build the app
    with ``build`` on uvloop (when installed), make sure of the broker and the topics
    (``needs``, plus the app's changelogs: see ``services.common.startup``) and run the
    worker until SIGINT or SIGTERM (Faust's worker installs the handlers)."""
    handle_args(service, settings_cls, sys.argv[1:])
    settings = load_settings(service, settings_cls)
    use_uvloop()
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)  # the loop the app and its worker run on
    try:
        app = build(settings)
    except ConfigError as exc:
        fail(service, str(exc), EXIT_CONFIG)
    changelogs = [
        TopicNeed(table.changelog_topic.get_topic_name(), exact=True, create=False)
        for table in app.tables.values()
    ]
    loop.run_until_complete(prepare(service, settings, [*needs(settings.topics), *changelogs]))
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
    level = settings.log_level.upper()
    worker = faust.Worker(app, loop=loop, loglevel=level, redirect_stdouts=False)
    # At WARNING and above Faust's terminal spinner sets the root logger to DEBUG (so it
    # spins on every message), which makes every debug call format a record.
    worker.spinner = None
    gc.freeze()  # what start-up built lives as long as the worker
    worker.execute_from_commandline()
