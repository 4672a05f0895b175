"""Logging that stays readable while something is down.

A dead broker makes aiokafka log the same error ten times a second; ``RepeatFilter``
lets one record of each kind (logger, level, message template) through per ``interval``
seconds and says, on the next one it lets through, how many it held back. Installed on
the root handlers by ``quiet_repeats`` (the services call it right after
``logging.basicConfig``).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

DEFAULT_INTERVAL = 30.0


class RepeatFilter(logging.Filter):
    def __init__(
        self, interval: float = DEFAULT_INTERVAL, clock: Callable[[], float] = time.monotonic
    ) -> None:
        super().__init__()
        self.interval = interval
        self._clock = clock
        self._last: dict[tuple[str, int, str], float] = {}
        self._held: dict[tuple[str, int, str], int] = {}

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno < logging.WARNING:
            return True  # info and debug are not what floods
        key = (record.name, record.levelno, str(record.msg))
        now = self._clock()
        last = self._last.get(key)
        if last is not None and now - last < self.interval:
            self._held[key] = self._held.get(key, 0) + 1
            return False
        self._last[key] = now
        held = self._held.pop(key, 0)
        if held and last is not None:
            record.msg = f"{record.msg} ({held} more like this in the last {now - last:.0f} s)"
        return True


def quiet_repeats(interval: float = DEFAULT_INTERVAL) -> RepeatFilter:
    """Install one ``RepeatFilter`` on every root handler; returns it."""
    repeat = RepeatFilter(interval)
    for handler in logging.getLogger().handlers:
        handler.addFilter(repeat)
    return repeat
