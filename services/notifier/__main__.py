"""``python -m services.notifier``: run the notifier until SIGINT or SIGTERM."""

from __future__ import annotations

import asyncio
import signal
import sys

from services.common.errors import ConfigError
from services.common.logs import configure_logging, quiet_repeats
from services.notifier.app import run
from services.notifier.settings import NotifierSettings


async def _main(settings: NotifierSettings) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await run(settings, stop)


def main() -> int:
    settings = NotifierSettings()
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
