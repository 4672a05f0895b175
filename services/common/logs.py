"""One log format for every Vigil service, switched by ``VIGIL_LOG_FORMAT``.

Every record (Vigil's own, Faust's, mode's, aiokafka's, aiohttp's: all go through the
standard library's ``logging``) is rendered by one structlog ``ProcessorFormatter`` on
one handler (standard error) with the same fields:

* ``text`` (default), one line each::

    2026-12-02T07:30:00.123456Z [info     ] message   [faust.worker] service=classifier
* ``json``: one JSON object per line, for log pipelines::

    {"timestamp": "2026-12-02T07:30:00.123456Z", "level": "info", "logger": "faust.worker",
     "service": "classifier", "version": "0.1.0", "message": "..."}

  plus every ``extra={...}`` field of the call, and ``exception`` (the formatted
  traceback) when there is one.

Faust's worker installs the same configuration (it is passed as the app's
``logging_config``), so its own colored format never appears.

Logging that stays readable while something is down: a dead broker makes aiokafka log
the same error ten times a second; ``RepeatFilter`` lets one record of each kind (logger,
level, message template) through per ``interval`` seconds and says, on the next one it
lets through, how many it held back. ``quiet_repeats`` installs it on the root handlers
(the ingest service and the notifier call it after ``configure_logging``).
"""

from __future__ import annotations

import logging
import logging.config
import time
from collections.abc import Callable
from logging import Filter
from typing import Any, Literal

import structlog
from structlog.typing import EventDict, Processor, WrappedLogger

from services.common.version import version

LogFormat = Literal["text", "json"]


def _fields(service: str, with_version: bool) -> Processor:
    static = {"service": service, **({"version": version()} if with_version else {})}

    def add(logger: WrappedLogger, method: str, event: EventDict) -> EventDict:
        for key, value in static.items():
            event.setdefault(key, value)
        return event

    return add


def formatter(log_format: LogFormat, service: str) -> logging.Formatter:
    """The formatter every handler of a Vigil process uses."""
    shared: list[Processor] = [
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.stdlib.ExtraAdder(),
        _fields(service, with_version=log_format == "json"),
    ]
    render: list[Processor]
    if log_format == "json":
        render = [
            structlog.processors.format_exc_info,
            structlog.processors.EventRenamer("message"),
            structlog.processors.JSONRenderer(default=str, sort_keys=False),
        ]
    else:
        render = [
            structlog.dev.ConsoleRenderer(
                colors=False, exception_formatter=structlog.dev.plain_traceback
            )
        ]
    return structlog.stdlib.ProcessorFormatter(
        processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta, *render],
        foreign_pre_chain=shared,
    )


def logging_config(log_format: LogFormat, level: str, service: str) -> dict[str, Any]:
    """A ``logging.config.dictConfig`` for a service (also Faust's ``logging_config``)."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {
            "vigil": {"()": formatter, "log_format": log_format, "service": service},
        },
        "handlers": {
            "default": {
                "class": "logging.StreamHandler",
                "formatter": "vigil",
                "stream": "ext://sys.stderr",
            },
        },
        "root": {"level": level.upper(), "handlers": ["default"]},
    }


def configure_logging(log_format: LogFormat, level: str, service: str) -> None:
    logging.config.dictConfig(logging_config(log_format, level, service))


DEFAULT_INTERVAL = 30.0


class RepeatFilter(Filter):
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
