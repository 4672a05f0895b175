"""Wiring of the ingest HTTP service: routes, middleware, and the producer gate.

``build_app(settings, producer, metrics)`` returns the aiohttp application. The producer
is injected (an ``AIOKafkaProducer`` from ``services.common.publisher.make_producer`` in
production and integration tests, a fake in unit tests) and started lazily on the first
publish, and retried on the next one if that failed, so the service starts and answers
503 while the broker is down.

What a 503 means is said in its body (``logic.Unavailable``): ``published: "none"`` when
nothing reached the broker (it could not be reached), ``"unknown"`` when the reports were
handed over but not acknowledged in time (the producer keeps them and may publish them
once the broker is back). Sending the same reports again is always safe: ``report_id``
is the idempotency key. A client that goes away mid-request is counted as 499 (nginx's
"client closed request"), not as a server error; one that is too slow with its body gets
408 (see ``server.py`` for the header and idle timeouts).
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
from services.ingest.auth import AuthResult, check_bearer, credentials_in_query
from services.ingest.metrics import IngestMetrics
from services.ingest.openapi import build_document
from services.ingest.server import watch_heads
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

    def __init__(self, reason: str, handed_over: bool) -> None:
        super().__init__(reason)
        self.handed_over = handed_over
        """True when the reports reached the producer: they may still be published."""


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
        handed_over = False
        try:
            async with asyncio.timeout(self.timeout):
                await self._ensure_started()
                handed_over = True
                return await publish_reports(self.producer, self.topic, reports)
        except TimeoutError:
            what = "acknowledgement" if handed_over else "connection"
            raise BrokerUnavailable(
                f"no broker {what} within {self.timeout:g} s", handed_over
            ) from None
        except Exception as exc:  # aiokafka raises many types when the broker is away
            raise BrokerUnavailable(f"{type(exc).__name__}: {exc}", handed_over) from exc

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


class ClientGone(Exception):
    """The client closed the connection before its request was read."""


CLIENT_CLOSED = 499
"""nginx's "client closed request": counted, never a 500."""


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
        in_url = credentials_in_query(request.query.keys())
        if in_url:
            return _error(
                400,
                "credentials_in_url",
                f"query parameter(s) {', '.join(in_url)} look like credentials: a URL is "
                "logged and shared; send 'Authorization: Bearer <token>' only",
            )
        limit = self.settings.max_body_bytes
        too_large = f"the body is over the limit of {limit} bytes"
        if request.content_length is not None and request.content_length > limit:
            return _error(413, "too_large", too_large)
        wait = self.settings.body_timeout_seconds
        try:
            async with asyncio.timeout(wait):
                raw = await _read_bounded(request, limit)
        except TimeoutError:
            self.metrics.timed_out("body")
            response = _error(
                408, "request_timeout", f"the body was not complete within {wait:g} s"
            )
            response.force_close()
            return response
        except ConnectionError as exc:
            raise ClientGone(str(exc)) from None
        if raw is None:
            return _error(413, "too_large", too_large)
        try:
            items = logic.parse_body(raw, self.settings.max_items)
        except RejectedInput as exc:
            status, error = (
                (413, "too_many_items") if exc.kind == "too_many" else (400, "malformed")
            )
            return _error(status, error, exc.reason)
        outcome = logic.validate_items(items, guard=self.settings.future_guard)
        self.metrics.reports_rejected(len(outcome.rejected))
        if not outcome.valid:
            return _json(logic.BatchResult(accepted=[], rejected=outcome.rejected), 422)
        try:
            accepted = await self.gate.publish(outcome.valid)
        except BrokerUnavailable as exc:
            log.warning("publish failed: %s", exc)
            self.metrics.reports_unpublished(len(outcome.valid))
            return self._unavailable(exc, [r.report_id for r in outcome.valid])
        self.metrics.reports_accepted(len(accepted))
        return _json(logic.BatchResult(accepted=accepted, rejected=outcome.rejected), 202)

    def _unavailable(self, exc: BrokerUnavailable, report_ids: list[str]) -> web.Response:
        retry = self.settings.retry_after_seconds
        if exc.handed_over:
            message = (
                "the broker did not acknowledge in time: these reports may or may not be "
                "published (the producer keeps them and may publish them once the broker "
                f"is back). Retry: send the same reports again after {retry} s; a "
                "report_id already published changes nothing"
            )
        else:
            message = (
                "the broker is unreachable: nothing of this request was published. Retry: "
                f"send the same reports again after {retry} s"
            )
        body = logic.Unavailable(
            error="broker_unavailable",
            message=message,
            retry_after_seconds=retry,
            published="unknown" if exc.handed_over else "none",
            report_ids=report_ids,
        )
        return _json(body, 503, {"Retry-After": str(retry)})


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
        except ClientGone:
            status = CLIENT_CLOSED
            return web.Response(status=CLIENT_CLOSED)  # nobody reads it
        except web.HTTPException as exc:
            status = exc.status
            raise
        finally:
            metrics.request_answered(route, status, time.perf_counter() - started)
            head = watch_heads(request.app).get(request.transport)
            if head is not None:
                head.expect_head()

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
    watch_heads(app)  # filled by server.serve with each connection's head deadline
    return app
