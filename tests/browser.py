"""A real headless browser for tests of the console's pages: Debian's ``chromium``,
driven over the DevTools protocol (a WebSocket on 127.0.0.1, opened with aiohttp).

Chromium is started with ``--remote-debugging-port=0`` (it picks a free port and writes
it to ``DevToolsActivePort`` in its own profile directory), in its own process group, and
stopped by that group's id when the test ends. ``make test`` installs the package when
run as root (``make system-deps``); elsewhere the tests that need it skip.

Screenshots are written "for the record" to ``$VIGIL_SCREENSHOT_DIR`` (default
``test-artifacts/screenshots`` in the repository, ignored by git).
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import itertools
import json
import os
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest

ROOT = Path(__file__).resolve().parents[1]
STARTUP_SECONDS = 30.0
LOAD_SECONDS = 30.0


def chromium_path() -> str | None:
    for name in ("chromium", "chromium-browser"):
        found = shutil.which(name)
        if found:
            return found
    return None


def require_chromium() -> str:
    path = chromium_path()
    if path is None:
        pytest.skip("chromium is not installed: `make test` installs it when run as root")
    return path


def screenshot_dir() -> Path:
    folder = Path(os.environ.get("VIGIL_SCREENSHOT_DIR") or ROOT / "test-artifacts" / "screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


class Page:
    """One tab, attached with a flat session."""

    def __init__(self, browser: Browser, session: str) -> None:
        self.browser = browser
        self.session = session

    async def send(self, method: str, **params: Any) -> dict[str, Any]:
        return await self.browser.send(method, params, self.session)

    async def goto(
        self, url: str, width: int = 1100, height: int = 900, mobile: bool = False
    ) -> None:
        """Load ``url`` in a viewport of ``width`` x ``height`` CSS pixels (``mobile``:
        a phone's, scale 2 and touch) and wait for its load event."""
        await self.send(
            "Emulation.setDeviceMetricsOverride",
            width=width,
            height=height,
            deviceScaleFactor=2 if mobile else 1,
            mobile=mobile,
        )
        loaded = self.browser.expect("Page.loadEventFired", self.session)
        answer = await self.send("Page.navigate", url=url)
        if answer.get("errorText"):
            raise AssertionError(f"{url}: {answer['errorText']}")
        await asyncio.wait_for(loaded, LOAD_SECONDS)

    async def evaluate(self, expression: str) -> Any:
        """The value of a JavaScript expression in the page (JSON-able)."""
        answer = await self.send(
            "Runtime.evaluate", expression=expression, returnByValue=True, awaitPromise=True
        )
        if "exceptionDetails" in answer:
            raise AssertionError(f"{expression}: {answer['exceptionDetails']}")
        return answer["result"].get("value")

    async def text(self, selector: str) -> str:
        value = await self.evaluate(
            f"(document.querySelector({json.dumps(selector)}) || {{innerText: ''}}).innerText"
        )
        return str(value)

    async def box(self, selector: str) -> dict[str, float] | None:
        """The rendered box of the first element matching ``selector`` (None: no such
        element, or it takes no room: hidden)."""
        value = await self.evaluate(
            "(() => { const e = document.querySelector("
            + json.dumps(selector)
            + "); if (!e) return null; const r = e.getBoundingClientRect();"
            " if (r.width === 0 || r.height === 0) return null;"
            " return {x: r.x, y: r.y, width: r.width, height: r.height}; })()"
        )
        return None if value is None else {k: float(v) for k, v in value.items()}

    async def screenshot(self, name: str) -> Path:
        """The whole page as PNG, written to the screenshot folder; its path."""
        metrics = await self.send("Page.getLayoutMetrics")
        size = metrics["cssContentSize"]
        shot = await self.send(
            "Page.captureScreenshot",
            format="png",
            captureBeyondViewport=True,
            clip={"x": 0, "y": 0, "width": size["width"], "height": size["height"], "scale": 1},
        )
        path = screenshot_dir() / name
        path.write_bytes(base64.b64decode(shot["data"]))
        return path


class Browser:
    def __init__(
        self, process: subprocess.Popen[bytes], ws: aiohttp.ClientWebSocketResponse
    ) -> None:
        self.process = process
        self.ws = ws
        self._ids = itertools.count(1)
        self._answers: dict[int, asyncio.Future[dict[str, Any]]] = {}
        self._waiters: list[tuple[str, str | None, asyncio.Future[dict[str, Any]]]] = []
        self._reader = asyncio.create_task(self._read())

    async def _read(self) -> None:
        async for message in self.ws:
            if message.type is not aiohttp.WSMsgType.TEXT:
                continue
            data = json.loads(message.data)
            if "id" in data:
                future = self._answers.pop(data["id"], None)
                if future is not None and not future.done():
                    if "error" in data:
                        future.set_exception(AssertionError(f"DevTools: {data['error']}"))
                    else:
                        future.set_result(data.get("result", {}))
                continue
            for waiter in list(self._waiters):
                method, session, future = waiter
                if data.get("method") == method and session in (None, data.get("sessionId")):
                    self._waiters.remove(waiter)
                    if not future.done():
                        future.set_result(data.get("params", {}))

    async def send(
        self, method: str, params: dict[str, Any] | None = None, session: str | None = None
    ) -> dict[str, Any]:
        ident = next(self._ids)
        future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._answers[ident] = future
        message: dict[str, Any] = {"id": ident, "method": method, "params": params or {}}
        if session is not None:
            message["sessionId"] = session
        await self.ws.send_str(json.dumps(message))
        return await asyncio.wait_for(future, LOAD_SECONDS)

    def expect(self, method: str, session: str | None = None) -> asyncio.Future[dict[str, Any]]:
        """A future for the next event ``method`` (register it before causing the event)."""
        future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._waiters.append((method, session, future))
        return future

    async def new_page(self) -> Page:
        target = await self.send("Target.createTarget", {"url": "about:blank"})
        attached = await self.send(
            "Target.attachToTarget", {"targetId": target["targetId"], "flatten": True}
        )
        page = Page(self, attached["sessionId"])
        await page.send("Page.enable")
        await page.send("Runtime.enable")
        return page

    async def close(self) -> None:
        self._reader.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._reader
        await self.ws.close()


def _launch(binary: str, profile: Path) -> subprocess.Popen[bytes]:
    args = [
        binary,
        "--headless",
        "--disable-gpu",
        "--no-first-run",
        "--no-default-browser-check",
        "--disable-extensions",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--hide-scrollbars",
        "--remote-debugging-address=127.0.0.1",
        "--remote-debugging-port=0",
        f"--user-data-dir={profile}",
    ]
    if os.geteuid() == 0:
        args.append("--no-sandbox")  # Chromium refuses to run as root with its sandbox
    args.append("about:blank")
    log = (profile.parent / "chromium.log").open("wb")
    try:
        return subprocess.Popen(
            args,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,  # its helpers join this group: stopped together below
        )
    finally:
        log.close()


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait()


async def _debugger_url(profile: Path, process: subprocess.Popen[bytes]) -> str:
    port_file = profile / "DevToolsActivePort"
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            log = (profile.parent / "chromium.log").read_text(errors="replace")
            raise AssertionError(f"chromium exited with {process.returncode}:\n{log[-2000:]}")
        with contextlib.suppress(OSError):
            lines = port_file.read_text().splitlines()
            if len(lines) >= 2 and lines[0].isdigit():
                return f"ws://127.0.0.1:{lines[0]}{lines[1]}"
        await asyncio.sleep(0.1)
    raise AssertionError(f"chromium wrote no {port_file} within {STARTUP_SECONDS} s")


@contextlib.asynccontextmanager
async def browser() -> AsyncIterator[Browser]:
    """A headless Chromium for the test's length (skips when there is none)."""
    binary = require_chromium()
    with tempfile.TemporaryDirectory(prefix="vigil-chromium-") as folder:
        profile = Path(folder) / "profile"
        profile.mkdir()
        process = _launch(binary, profile)
        try:
            url = await _debugger_url(profile, process)
            async with aiohttp.ClientSession() as http:
                ws = await http.ws_connect(url, max_msg_size=0)
                instance = Browser(process, ws)
                try:
                    yield instance
                finally:
                    await instance.close()
        finally:
            _stop(process)
