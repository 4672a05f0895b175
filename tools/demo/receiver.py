"""The demo's local channel receiver: the notifier's webhook POSTs every alert here and
the demo prints the message, so a newcomer sees what an on-call channel receives. It
also serves ``GET /alerts/<fingerprint>`` (the last message of that alert), which is
where the messages' links (``VIGIL_NOTIFIER_ALERT_URL_BASE``) point during the demo."""

from __future__ import annotations

import time
from collections.abc import Callable

from aiohttp import web

from schemas.alerts import Alert
from services.notifier.domain.text import alert_url, message_text
from tools.demo.format import delivered_block


class Receiver:
    def __init__(self, started: float, emit: Callable[[str], None] = print) -> None:
        self.started = started
        self.emit = emit
        self.base = ""
        self.latest: dict[str, Alert] = {}
        self.deliveries = 0

    async def webhook(self, request: web.Request) -> web.Response:
        alert = Alert.model_validate_json(await request.read())
        self.latest[alert.fingerprint] = alert
        self.deliveries += 1
        stamp = f"[{time.monotonic() - self.started:6.1f}s]"
        block = delivered_block("the local webhook receiver", alert, alert_url(self.base, alert))
        self.emit(f"{stamp} {block}")
        return web.Response(status=200)

    async def page(self, request: web.Request) -> web.Response:
        alert = self.latest.get(request.match_info["fingerprint"])
        if alert is None:
            return web.Response(status=404, text="no such alert delivered yet\n")
        return web.Response(text=message_text(alert, None) + "\n")

    async def start(self) -> web.AppRunner:
        app = web.Application()
        app.router.add_post("/webhook", self.webhook)
        app.router.add_get("/alerts/{fingerprint}", self.page)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", 0).start()
        self.base = f"http://127.0.0.1:{runner.addresses[0][1]}"
        return runner
