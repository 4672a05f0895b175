"""What every service serves for operations, wired in one call per kind of service:
``/healthz`` and ``/readyz`` (``services.common.health``), the consumer-lag probe
(``services.common.lag``) and ``vigil_build_info`` (``services.common.version``).

* ``faust_operations``: a Faust worker (classifier, aggregator, extractor);
* ``Operations``: an aiohttp service (ingest; the notifier, with its consumer).

Only public Faust and aiokafka names are used: the app's rebalance signals and its
``rebalancing`` / ``in_recovery`` flags, the consumer's ``assignment()`` and
``highwater()``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any, Literal

import faust
from aiohttp import web
from aiokafka import AIOKafkaConsumer, TopicPartition
from prometheus_client import CollectorRegistry

from services.common.health import BrokerContact, Check, GroupMembership, Health
from services.common.lag import LagMetrics, LagProbe
from services.common.settings import ServiceSettings
from services.common.version import register_build_info

log = logging.getLogger(__name__)

STALE_PROBES = 3
"""The broker check fails when no probe succeeded for this many probe intervals."""


def _contact(settings: ServiceSettings) -> BrokerContact:
    return BrokerContact(stale_after=STALE_PROBES * settings.probe_interval_seconds)


def faust_operations(
    app: faust.App, service: str, settings: ServiceSettings, registry: CollectorRegistry
) -> Health:
    """``/healthz``, ``/readyz`` (broker, group, tables), the lag of the input partitions
    this worker is assigned, and the build info, on the app's web server."""
    register_build_info(registry)
    health = Health(service)
    contact = _contact(settings)
    group = GroupMembership()

    async def revoked(sender: Any, *args: Any, signal: Any, **kwargs: Any) -> None:
        group.on_revoked()

    async def assigned(sender: Any, *args: Any, signal: Any, **kwargs: Any) -> None:
        group.on_assigned(len(args[0]))

    app.on_partitions_revoked.connect(revoked)  # type: ignore[arg-type]
    app.on_partitions_assigned.connect(assigned)  # type: ignore[arg-type]

    def tables() -> Check:
        if group.assigned is None:
            return Check(False, "waiting for an assignment")
        if app.in_recovery or app.rebalancing:
            return Check(False, "recovering from the changelogs")
        return Check(True, "recovered")

    health.add("broker", contact.check)
    health.add("group", group.check)
    health.add("tables", tables)

    def inputs() -> set[tuple[str, int]]:
        """Assigned partitions whose offsets the worker commits (acking topics): its
        input, not the changelogs it recovers from or Faust's leader-election topic."""
        if group.assigned is None:
            return set()
        acks = app.topics.acks_enabled_for
        return {(tp.topic, tp.partition) for tp in app.consumer.assignment() if acks(tp.topic)}

    def highwater(tp: TopicPartition) -> int | None:
        with contextlib.suppress(Exception):  # not fetched yet, or no longer assigned
            value: int | None = app.consumer.highwater(tp)
            return value
        return None

    probe = LagProbe(
        bootstrap=settings.kafka_bootstrap,
        contact=contact,
        interval=settings.probe_interval_seconds,
        group_id=app.conf.id,
        metrics=LagMetrics(registry),
        assignment=inputs,
        highwater=highwater,
        reset="earliest",  # the workers' consumer_auto_offset_reset
    )

    @app.task  # type: ignore[untyped-decorator]
    async def probe_broker() -> None:
        await probe.run()

    @app.page("/healthz")
    async def healthz(self: Any, request: Any) -> Any:
        return self.json(health.liveness())

    @app.page("/readyz")
    async def readyz(self: Any, request: Any) -> Any:
        ready, body = health.readiness()
        return self.json(body, status=200 if ready else 503)

    return health


def add_health_routes(http: web.Application, health: Health) -> None:
    """``GET /healthz`` and ``GET /readyz`` on an aiohttp application."""

    async def healthz(_: web.Request) -> web.Response:
        return web.json_response(health.liveness())

    async def readyz(_: web.Request) -> web.Response:
        ready, body = health.readiness()
        return web.json_response(body, status=200 if ready else 503)

    http.router.add_get("/healthz", healthz)
    http.router.add_get("/readyz", readyz)


class Operations:
    """For an aiohttp service (ingest, notifier): ``health`` with its broker check, the
    routes (``routes``, before the application starts), optionally a consumer whose
    assignment readiness needs and whose lag is reported (``watch_consumer``), and the
    probe task between ``start`` and ``stop``."""

    def __init__(self, service: str, settings: ServiceSettings, registry: CollectorRegistry):
        register_build_info(registry)
        self.health = Health(service)
        self.registry = registry
        contact = _contact(settings)
        self.health.add("broker", contact.check)
        self.probe = LagProbe(
            bootstrap=settings.kafka_bootstrap,
            contact=contact,
            interval=settings.probe_interval_seconds,
        )
        self._task: asyncio.Task[None] | None = None

    def routes(self, http: web.Application) -> None:
        add_health_routes(http, self.health)

    def watch_consumer(
        self,
        consumer: AIOKafkaConsumer,
        group_id: str,
        reset: Literal["earliest", "latest"] = "earliest",
    ) -> None:
        """Readiness needs ``consumer`` to hold partitions (a member of a group with more
        members than partitions never does); the lag of its partitions is reported."""

        def assignment() -> set[tuple[str, int]]:
            return {(tp.topic, tp.partition) for tp in consumer.assignment()}

        def group() -> Check:
            owned = assignment()
            if not owned:
                return Check(
                    False, "no partition assigned (joining, or more members than partitions)"
                )
            return Check(True, f"{len(owned)} partition(s) assigned")

        def highwater(tp: TopicPartition) -> int | None:
            with contextlib.suppress(Exception):  # not fetched yet, or no longer assigned
                value: int | None = consumer.highwater(tp)
                return value
            return None

        self.health.add("group", group)
        self.probe.group_id = group_id
        self.probe.metrics = LagMetrics(self.registry)
        self.probe.assignment = assignment
        self.probe.highwater = highwater
        self.probe.reset = reset

    def start(self) -> None:
        self._task = asyncio.create_task(self.probe.run(), name="broker-probe")

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
