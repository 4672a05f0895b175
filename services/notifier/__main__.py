"""``python -m services.notifier``: run the notifier until SIGINT or SIGTERM (``--help``:
its settings)."""

from __future__ import annotations

import asyncio
import signal
import sys

from services.common.logs import configure_logging
from services.common.startup import TopicNeed, handle_args, load_settings, prepare
from services.notifier.app import run
from services.notifier.settings import NotifierSettings


async def _main(settings: NotifierSettings) -> None:
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
    asyncio.run(_main(settings))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
