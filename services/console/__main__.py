"""Run the console: ``python -m services.console`` (``--help``: its settings).

Binds ``VIGIL_HTTP_HOST``:``VIGIL_HTTP_PORT`` (0 picks a free port), logs the bound URL,
waits for the broker (``VIGIL_BROKER_WAIT_SECONDS``, exit 3), reads its topics while it
serves, and stops cleanly on SIGINT or SIGTERM. A wrong setting or rules file stops it
with exit code 2.
"""

from __future__ import annotations

import asyncio
import logging
import signal
import sys

from aiohttp import web
from prometheus_client import CollectorRegistry

from services.aggregator.settings import AggregatorSettings
from services.common.errors import ConfigError
from services.common.logs import configure_logging
from services.common.operations import Operations
from services.common.startup import EXIT_CONFIG, handle_args, load_settings, prepare
from services.common.version import version
from services.console.app import ConsoleState, build_app
from services.console.follower import Follower, Sources
from services.console.metrics import ConsoleMetrics
from services.console.replica import AggregatorReplica, AlertIndex, DeadLetterTally
from services.console.settings import ConsoleSettings

log = logging.getLogger("services.console")


async def run(settings: ConsoleSettings, aggregator: AggregatorSettings) -> None:
    config = aggregator.engine_config()
    await prepare("console", settings, [])  # the broker answers (topics are only read)
    registry = CollectorRegistry()
    metrics = ConsoleMetrics(registry)
    index = AlertIndex(settings.history_limit)
    metrics.watch_firing(lambda: [p.alert for p in index.firing()])
    replica = AggregatorReplica(config)
    deadletters = DeadLetterTally()
    sources = Sources.of(settings.topics, settings.app_id_prefix)
    follower = Follower(settings.kafka_bootstrap, sources, index, replica, deadletters, metrics)
    state = ConsoleState(
        settings,
        config.rules,
        index,
        replica,
        deadletters,
        caught_up=lambda: follower.caught_up,
        records=lambda: follower.records,
        metrics=metrics,
    )
    operations = Operations("console", settings, registry)
    app = build_app(state, operations)
    runner = web.AppRunner(app, access_log=None, handle_signals=False)
    await runner.setup()
    site = web.TCPSite(runner, settings.http_host, settings.http_port)
    await site.start()
    host, port = runner.addresses[0][:2]
    url = f"http://{host}:{port}"
    log.info("vigil %s console listening on %s", version(), url, extra={"url": url})
    if not settings.protected and settings.http_host not in ("127.0.0.1", "::1", "localhost"):
        log.warning(
            "console: bound to %s with no VIGIL_CONSOLE_TOKENS / _USERS: anyone who reaches "
            "it reads every alert",
            settings.http_host,
        )
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    operations.start()
    reading = asyncio.create_task(follower.run(stop), name="console-follower")
    try:
        await stop.wait()
    finally:
        await reading
        await operations.stop()
        await runner.cleanup()


def main() -> int:
    handle_args("console", ConsoleSettings, sys.argv[1:])
    settings = load_settings("console", ConsoleSettings)
    aggregator = load_settings("console", AggregatorSettings)
    configure_logging(settings.log_format, settings.log_level, "console")
    try:
        asyncio.run(run(settings, aggregator))
    except ConfigError as exc:
        print(f"vigil console: {exc}", file=sys.stderr, flush=True)
        return EXIT_CONFIG
    return 0


if __name__ == "__main__":
    sys.exit(main())
