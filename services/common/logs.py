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
"""

from __future__ import annotations

import logging
import logging.config
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
