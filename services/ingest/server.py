"""Serving the ingest app so that no client can hang it or read a secret in its logs.

- **Idle timeout** (``idle_timeout_seconds``): a connection that sends nothing (before
  its first request or between requests) is closed (aiohttp's keep-alive timeout).
- **Header timeout** (``header_timeout_seconds``): a request head (request line and
  headers) that is not complete this long after its first byte is answered 408 and the
  connection closed (``HeadDeadline``; aiohttp has no such timeout of its own).
- **Body timeout** (``body_timeout_seconds``): enforced by the handler while it reads
  the body (``ReportsHandler``), answered 408.
- **Access log without secrets**: ``RedactingAccessLogger`` logs method, path, status,
  size and time; the values of a query string are replaced by ``REDACTED`` (a token
  pasted into a URL never reaches a log line) and no header is logged.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable
from typing import Any

from aiohttp import web
from aiohttp.abc import AbstractAccessLogger

from services.ingest.auth import redact_query
from services.ingest.settings import IngestSettings

log = logging.getLogger(__name__)

HEAD_END = b"\r\n\r\n"
LINGER_SECONDS = 1.0
"""After answering a request whose body was not read to the end (413, 408), aiohttp reads
and drops what still comes for this long so the client sees the answer, then closes."""


def timeout_response(message: str) -> bytes:
    body = json.dumps({"error": "request_timeout", "message": message}).encode()
    head = (
        "HTTP/1.1 408 Request Timeout\r\nConnection: close\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
    )
    return head.encode() + body


class HeadDeadline(asyncio.Protocol):
    """One connection: aiohttp's protocol inside, a deadline on each request head.

    The deadline starts with the first byte of a head and ends when the blank line that
    closes the head arrives; ``expect_head`` (called once a response is sent) starts
    watching for the next one. Bytes of a body are not watched here.
    """

    def __init__(
        self,
        inner: asyncio.Protocol,
        timeout: float,
        on_timeout: Callable[[], None],
        registry: dict[Any, HeadDeadline],
    ) -> None:
        self._inner = inner
        self._timeout = timeout
        self._on_timeout = on_timeout
        self._registry = registry
        self._transport: asyncio.Transport | None = None
        self._timer: asyncio.TimerHandle | None = None
        self._watching = True
        self._tail = b""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self._transport = transport
        self._registry[transport] = self
        self._inner.connection_made(transport)

    def data_received(self, data: bytes) -> None:
        if self._watching and data:
            if self._timer is None:
                loop = asyncio.get_running_loop()
                self._timer = loop.call_later(self._timeout, self._expired)
            seen = self._tail + data
            if HEAD_END in seen:
                self._stop()
                self._watching = False
            else:
                self._tail = seen[-3:]
        self._inner.data_received(data)

    def expect_head(self) -> None:
        """A response went out: the next bytes start a new head."""
        self._stop()
        self._watching = True
        self._tail = b""

    def _stop(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def _expired(self) -> None:
        self._timer = None
        transport = self._transport
        if transport is None or transport.is_closing():
            return
        self._on_timeout()
        message = f"the request head was not complete within {self._timeout:g} s"
        transport.write(timeout_response(message))
        transport.close()

    def eof_received(self) -> bool | None:
        return self._inner.eof_received()

    def connection_lost(self, exc: Exception | None) -> None:
        self._stop()
        if self._transport is not None:
            self._registry.pop(self._transport, None)
        self._inner.connection_lost(exc)

    def pause_writing(self) -> None:
        self._inner.pause_writing()

    def resume_writing(self) -> None:
        self._inner.resume_writing()


class RedactingAccessLogger(AbstractAccessLogger):
    """``POST /v1/reports?token=REDACTED 401 123 B 0.002 s from 127.0.0.1``"""

    def log(self, request: web.BaseRequest, response: web.StreamResponse, time: float) -> None:
        path = request.path + (
            f"?{redact_query(request.query_string)}" if request.query_string else ""
        )
        self.logger.info(
            "%s %s %s %s B %.3f s from %s",
            request.method,
            path,
            response.status,
            response.body_length,
            time,
            request.remote,
        )


HEADS = web.AppKey("heads", dict)


def watch_heads(app: web.Application) -> dict[Any, HeadDeadline]:
    """The app's transport -> HeadDeadline map (filled as connections come and go)."""
    if HEADS not in app:
        app[HEADS] = {}
    heads: dict[Any, HeadDeadline] = app[HEADS]
    return heads


async def serve(
    app: web.Application,
    settings: IngestSettings,
    on_head_timeout: Callable[[], None] = lambda: None,
) -> tuple[web.AppRunner, asyncio.Server, int]:
    """Start ``app`` on ``settings.http_host:http_port`` (0: a free port) with every
    timeout; returns the runner (``cleanup`` it), the server (``close`` it first) and the
    bound port."""
    heads = watch_heads(app)
    runner = web.AppRunner(
        app,
        handle_signals=False,
        access_log_class=RedactingAccessLogger,
        keepalive_timeout=settings.idle_timeout_seconds,
        lingering_time=LINGER_SECONDS,
    )
    await runner.setup()
    factory = runner.server
    assert factory is not None

    def protocol() -> asyncio.Protocol:
        return HeadDeadline(factory(), settings.header_timeout_seconds, on_head_timeout, heads)

    loop = asyncio.get_running_loop()
    server = await loop.create_server(protocol, settings.http_host, settings.http_port)
    port = int(server.sockets[0].getsockname()[1])
    return runner, server, port
