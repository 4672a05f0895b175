"""``python -m services.notifier``: run the notifier until SIGINT or SIGTERM (``--help``:
its settings). With no channel configured it refuses to start (exit 2), before it waits
for the broker."""

from __future__ import annotations

import asyncio
import signal
import sys

import aiohttp

from services.common.errors import ConfigError
from services.common.logs import configure_logging, quiet_repeats
from services.common.startup import TopicNeed, handle_args, load_settings, prepare
from services.notifier.app import run
from services.notifier.channels import NO_CHANNEL, build_channels
from services.notifier.settings import NotifierSettings


async def _main(settings: NotifierSettings) -> None:
    async with aiohttp.ClientSession() as session:
        if not build_channels(settings, session):
            raise ConfigError(NO_CHANNEL)
    topics = settings.topics
    await prepare("notifier", settings, [TopicNeed(topics.alerts), TopicNeed(topics.deadletters)])
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await run(settings, stop)


def main() -> int:
    handle_args("notifier", NotifierSettings, sys.argv[1:])
    settings = load_settings("notifier", NotifierSettings)
    configure_logging(settings.log_format, settings.log_level, "notifier")
    quiet_repeats()  # a broker or channel that is down says so once per interval
    try:
        asyncio.run(_main(settings))
    except ConfigError as exc:
        print(f"vigil notifier: refusing to start: {exc}", file=sys.stderr, flush=True)
        return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
