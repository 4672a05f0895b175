"""Wiring of the ingest HTTP service: routes, middleware, and the producer gate.

``build_app(settings, producer, metrics)`` returns the aiohttp application. The producer
is injected (an ``AIOKafkaProducer`` from ``services.common.publisher.make_producer`` in
production and integration tests, a fake in unit tests) and started lazily on the first
publish, and retried on the next one if that failed, so the service starts and answers
503 while the broker is down.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Iterable
from typing import Any, Protocol

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from pydantic import BaseModel

from schemas.reports import IncidentReport
from services.common.errors import RejectedInput
from services.common.operations import Operations
from services.common.publisher import publish_reports
from services.ingest import logic
from services.ingest.auth import AuthResult, check_bearer
from services.ingest.metrics import IngestMetrics
from services.ingest.openapi import build_document
from services.ingest.settings import IngestSettings

log = logging.getLogger(__name__)

REPORTS_ROUTE = "/v1/reports"


class Producer(Protocol):
    """The part of ``AIOKafkaProducer`` the service uses."""

    async def start(self) -> None: ...

    async def stop(self) -> None: ...

    async def send(self, topic: str, value: bytes, key: bytes | None = None) -> Any: ...


class BrokerUnavailable(Exception):
    """The broker could not be reached or did not acknowledge in time."""


class ProducerGate:
    """Starts the producer on first use (retrying after a failure) and bounds every publish."""

    def __init__(self, producer: Producer, topic: str, timeout: float) -> None:
        self.producer = producer
        self.topic = topic
        self.timeout = timeout
        self.started = False
        self._lock = asyncio.Lock()

    async def _ensure_started(self) -> None:
        async with self._lock:
            if not self.started:
                await self.producer.start()
                self.started = True

    async def publish(self, reports: Iterable[IncidentReport]) -> list[str]:
        try:
            async with asyncio.timeout(self.timeout):
                await self._ensure_started()
                return await publish_reports(self.producer, self.topic, reports)
        except TimeoutError:
            raise BrokerUnavailable(
                f"no broker acknowledgement within {self.timeout:g} s"
            ) from None
        except Exception as exc:  # aiokafka raises many types when the broker is away
            raise BrokerUnavailable(f"{type(exc).__name__}: {exc}") from exc

    async def close(self) -> None:
        """Stop the producer, waiting at most the publish timeout for unsent records."""
        if self.started:
            try:
                await asyncio.wait_for(self.producer.stop(), self.timeout)
            except TimeoutError:
                log.warning("producer did not stop within %s s", self.timeout)


def _json(model: BaseModel, status: int, headers: dict[str, str] | None = None) -> web.Response:
    return web.Response(
        status=status,
        body=model.model_dump_json(exclude_none=True),
        content_type="application/json",
        headers=headers,
    )


def _error(status: int, error: str, message: str, **extra: Any) -> web.Response:
    headers = extra.pop("headers", None)
    return _json(logic.ErrorBody(error=error, message=message, **extra), status, headers)


async def _read_bounded(request: web.Request, limit: int) -> bytes | None:
    """The body, or None once it passes ``limit`` (never holding more than limit + 1 bytes)."""
    chunks: list[bytes] = []
    size = 0
    while True:
        chunk = await request.content.read(limit + 1 - size)
        if not chunk:
            return b"".join(chunks)
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)


GATE = web.AppKey("gate", ProducerGate)


class ReportsHandler:
    def __init__(self, settings: IngestSettings, gate: ProducerGate, metrics: IngestMetrics):
        self.settings = settings
        self.gate = gate
        self.metrics = metrics

    async def post(self, request: web.Request) -> web.Response:
        auth = check_bearer(request.headers.get("Authorization"), self.settings.tokens)
        if auth is AuthResult.MISSING:
            return _error(
                401,
                "unauthenticated",
                "send 'Authorization: Bearer <token>'",
                headers={"WWW-Authenticate": 'Bearer realm="vigil-ingest"'},
            )
        if auth is AuthResult.WRONG:
            return _error(403, "forbidden", "this bearer token is not accepted")
        charset = (request.charset or "utf-8").lower()
        if request.content_type != "application/json" or charset not in ("utf-8", "utf8"):
            return _error(
                415,
                "unsupported_media_type",
                "send 'Content-Type: application/json' (charset utf-8 if any)",
            )
        limit = self.settings.max_body_bytes
        too_large = f"the body is over the limit of {limit} bytes"
        if request.content_length is not None and request.content_length > limit:
            return _error(413, "too_large", too_large)
        raw = await _read_bounded(request, limit)
        if raw is None:
            return _error(413, "too_large", too_large)
        try:
            items = logic.parse_body(raw, self.settings.max_items)
        except RejectedInput as exc:
            status, error = (
                (413, "too_many_items") if exc.kind == "too_many" else (400, "malformed")
            )
            return _error(status, error, exc.reason)
        outcome = logic.validate_items(items)
        self.metrics.reports_rejected(len(outcome.rejected))
        if not outcome.valid:
            return _json(logic.BatchResult(accepted=[], rejected=outcome.rejected), 422)
        try:
            accepted = await self.gate.publish(outcome.valid)
        except BrokerUnavailable as exc:
            log.warning("publish failed: %s", exc)
            self.metrics.reports_unpublished(len(outcome.valid))
            retry = self.settings.retry_after_seconds
            return _error(
                503,
                "broker_unavailable",
                "the broker is unreachable or did not acknowledge in time: nothing was "
                "accepted; retry the whole request later (a repeated report_id is harmless: "
                "it is the idempotency key)",
                retry_after_seconds=retry,
                headers={"Retry-After": str(retry)},
            )
        self.metrics.reports_accepted(len(accepted))
        return _json(logic.BatchResult(accepted=accepted, rejected=outcome.rejected), 202)


Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def _metrics_middleware(metrics: IngestMetrics) -> Any:
    @web.middleware
    async def record(request: web.Request, handler: Handler) -> web.StreamResponse:
        resource = request.match_info.route.resource
        route = resource.canonical if resource is not None else "unmatched"
        started = time.perf_counter()
        status = 500
        try:
            response = await handler(request)
            status = response.status
            return response
        except web.HTTPException as exc:
            status = exc.status
            raise
        finally:
            metrics.request_answered(route, status, time.perf_counter() - started)

    return record


def build_app(
    settings: IngestSettings,
    producer: Producer,
    metrics: IngestMetrics,
    operations: Operations | None = None,
) -> web.Application:
    gate = ProducerGate(producer, settings.topics.reports, settings.publish_timeout_seconds)
    reports = ReportsHandler(settings, gate, metrics)
    document = build_document()

    async def metrics_text(_: web.Request) -> web.Response:
        response = web.Response(body=generate_latest(metrics.registry))
        response.headers["Content-Type"] = CONTENT_TYPE_LATEST
        return response

    async def openapi(_: web.Request) -> web.Response:
        return web.json_response(document)

    async def close_gate(_: web.Application) -> None:
        await gate.close()

    # client_max_size is not what limits the body (the handler reads it bounded itself).
    app = web.Application(middlewares=[_metrics_middleware(metrics)])
    app.router.add_post(REPORTS_ROUTE, reports.post)
    # __main__ passes the running service's operations; without (tests) nothing probes
    operations = operations or Operations("ingest", settings, CollectorRegistry())
    operations.routes(app)  # /healthz, /readyz
    app.router.add_get("/metrics", metrics_text)
    app.router.add_get("/openapi.json", openapi)
    app.on_cleanup.append(close_gate)
    app[GATE] = gate
    return app
