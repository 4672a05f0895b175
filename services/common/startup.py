"""What every service does before it runs: ``--help``, its settings, the broker, its topics.

``python -m services.<name> --help`` prints the service's settings (environment
variables, defaults, meaning) and exits. Otherwise the settings are read from the
environment (a wrong value stops the service with one line per setting), the broker is
reached (``VIGIL_BROKER_WAIT_SECONDS``: one line per failed attempt, then exit code 3),
and the topics the service needs are made sure of: a missing one is created with
``VIGIL_TOPIC_PARTITIONS`` partitions (never left to the broker's auto-creation, whose
partition count is the broker's), and one whose partition count must equal the setting
(what a worker with tables reads, and its changelogs) but does not stops the service
with one line naming the topic and both counts (exit code 2).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, NoReturn, TypeVar

from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import KafkaError, TopicAlreadyExistsError
from pydantic import SecretStr, ValidationError
from pydantic_core import PydanticUndefined

from services.common.errors import VigilError
from services.common.settings import ServiceSettings

S = TypeVar("S", bound=ServiceSettings)

EXIT_CONFIG = 2
"""Exit code of a service stopped by a wrong setting, rules file or topic layout."""
EXIT_BROKER = 3
"""Exit code of a service that could not reach Kafka within ``broker_wait_seconds``."""
RETRY_EVERY = 2.0
"""Seconds between attempts to reach the broker at start-up."""


class StartupError(VigilError):
    """The service cannot start as configured; the message is one line for the operator."""


class BrokerUnreachable(VigilError):
    pass


@dataclass(frozen=True)
class TopicNeed:
    """A topic a service reads or writes. ``exact``: its partition count must equal
    ``VIGIL_TOPIC_PARTITIONS`` (a worker's tables are partitioned like its input).
    ``create``: create it when missing (changelogs are left to Faust, which creates them
    compacted). ``compact``: created with cleanup.policy=compact (the latest record per key
    is kept for good)."""

    name: str
    exact: bool = False
    create: bool = True
    compact: bool = False


def fail(service: str, message: str, code: int) -> NoReturn:
    print(f"vigil {service}: {message}", file=sys.stderr, flush=True)
    raise SystemExit(code)


def handle_args(service: str, settings_cls: type[ServiceSettings], argv: Sequence[str]) -> None:
    """``--help`` prints the settings and exits 0; any other argument exits 2."""
    if any(a in ("-h", "--help") for a in argv):
        try:
            print(help_text(service, settings_cls), flush=True)
        except BrokenPipeError:  # piped into head: fine
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        raise SystemExit(0)
    if argv:
        fail(service, f"unexpected argument {argv[0]!r}: settings are environment "
             f"variables, see python -m services.{service} --help", EXIT_CONFIG)  # fmt: skip


def env_name(settings_cls: type[ServiceSettings], field: str) -> str:
    if field in ServiceSettings.model_fields:
        return f"VIGIL_{field.upper()}"
    return f"{settings_cls.model_config.get('env_prefix', 'VIGIL_')}{field.upper()}"


def _default(info: Any) -> str:
    if info.default_factory is not None:
        value = info.default_factory()
    elif info.default is PydanticUndefined:
        return "(required)"
    else:
        value = info.default
    if isinstance(value, SecretStr):
        return "(secret)"
    if value is None or value == "" or value == []:
        return "(none)"
    return str(getattr(value, "value", value))


def help_text(service: str, settings_cls: type[ServiceSettings]) -> str:
    module = sys.modules.get(f"services.{service}")
    about = (module.__doc__ or "").strip() if module else ""
    prefix = settings_cls.model_config.get("env_prefix", "VIGIL_")
    rows = [
        (env_name(settings_cls, name), _default(info), info.description or "")
        for name, info in settings_cls.model_fields.items()
    ]
    width = max(len(r[0]) for r in rows)
    lines = [f"usage: python -m services.{service} [--help]", "", about, ""]
    lines.append("Settings (environment variables; default in brackets):")
    lines += [f"  {n:<{width}}  [{d}] {text}".rstrip() for n, d, text in rows]
    lines += [
        "",
        f"A shared VIGIL_<NAME> may be set for this service alone as {prefix}<NAME>.",
        f"Exit codes: 0 stopped by SIGINT/SIGTERM, {EXIT_CONFIG} a wrong setting or topic "
        f"layout, {EXIT_BROKER} Kafka unreachable for VIGIL_BROKER_WAIT_SECONDS.",
    ]
    return "\n".join(lines)


def load_settings(service: str, settings_cls: type[S]) -> S:
    """The settings from the environment, or exit 2 with one line per wrong setting."""
    try:
        return settings_cls()
    except ValidationError as exc:
        for error in exc.errors():
            field = str(error["loc"][0]) if error["loc"] else "?"
            print(
                f"vigil {service}: invalid setting {env_name(settings_cls, field)}: {error['msg']}",
                file=sys.stderr,
            )
        raise SystemExit(EXIT_CONFIG) from None


def _reason(exc: BaseException) -> str:
    text = str(exc) or type(exc).__name__
    name = f"{type(exc).__name__}: "
    return text if text.startswith(name) else name + text


async def ensure_topics(
    bootstrap: str, needs: Sequence[TopicNeed], partitions: int, wait_seconds: float = 10.0
) -> list[str]:
    """Create the missing topics of ``needs`` with ``partitions`` partitions and check the
    exact ones; returns the names created. Raises ``BrokerUnreachable`` or
    ``StartupError``."""
    admin = AIOKafkaAdminClient(
        bootstrap_servers=bootstrap, request_timeout_ms=int(wait_seconds * 1000)
    )
    try:
        await asyncio.wait_for(admin.start(), wait_seconds)
    except (KafkaError, OSError, TimeoutError) as exc:
        await admin.close()
        raise BrokerUnreachable(_reason(exc)) from exc
    try:
        # list_topics, not a metadata request naming them: that would auto-create them
        existing = set(await admin.list_topics())
        present = [n.name for n in needs if n.name in existing]
        counts = {}
        if present:
            for info in await admin.describe_topics(present):
                counts[info["topic"]] = len(info["partitions"])
        for need in needs:
            have = counts.get(need.name)
            if need.exact and have is not None and have != partitions:
                raise StartupError(
                    f"topic {need.name} has {have} partitions but VIGIL_TOPIC_PARTITIONS is "
                    f"{partitions}; the service's state is partitioned like it: set "
                    f"VIGIL_TOPIC_PARTITIONS={have} or recreate the topic"
                )
        missing = [n for n in needs if n.create and n.name not in existing]
        if missing:
            with contextlib.suppress(TopicAlreadyExistsError):  # another worker was quicker
                await admin.create_topics(
                    [
                        NewTopic(
                            n.name,
                            partitions,
                            1,
                            topic_configs={"cleanup.policy": "compact"} if n.compact else {},
                        )
                        for n in missing
                    ]
                )
        return [n.name for n in missing]
    except (KafkaError, OSError, TimeoutError) as exc:
        raise BrokerUnreachable(_reason(exc)) from exc
    finally:
        await admin.close()


async def prepare(
    service: str,
    settings: ServiceSettings,
    needs: Sequence[TopicNeed],
    clock: Callable[[], float] = time.monotonic,
) -> None:
    """Reach the broker (retrying for ``broker_wait_seconds``) and ensure ``needs``;
    exits with one line on a wrong layout or when the broker stays unreachable."""
    give_up = clock() + settings.broker_wait_seconds
    quiet = logging.getLogger("aiokafka")
    level = quiet.level
    quiet.setLevel(logging.CRITICAL)  # its connection errors would repeat ours
    try:
        await _prepare(service, settings, needs, clock, give_up)
    finally:
        quiet.setLevel(level)


async def _prepare(
    service: str,
    settings: ServiceSettings,
    needs: Sequence[TopicNeed],
    clock: Callable[[], float],
    give_up: float,
) -> None:
    while True:
        try:
            created = await ensure_topics(
                settings.kafka_bootstrap, needs, settings.topic_partitions
            )
        except StartupError as exc:
            fail(service, str(exc), EXIT_CONFIG)
        except BrokerUnreachable as exc:
            left = give_up - clock()
            where = f"Kafka at {settings.kafka_bootstrap} unreachable ({exc})"
            if left <= 0:
                fail(service, f"{where}; gave up after VIGIL_BROKER_WAIT_SECONDS="
                     f"{settings.broker_wait_seconds:g}", EXIT_BROKER)  # fmt: skip
            print(f"vigil {service}: {where}; retrying for {left:.0f} s more", file=sys.stderr)
            await asyncio.sleep(min(RETRY_EVERY, left))
            continue
        if created:
            print(
                f"vigil {service}: created topics {', '.join(created)} with "
                f"{settings.topic_partitions} partition(s)",
                flush=True,
            )
        return
