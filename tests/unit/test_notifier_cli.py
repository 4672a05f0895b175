"""``vigil notify test``: a sample alert to every configured channel, each result printed."""

from __future__ import annotations

from typing import Any

import pytest
from aiohttp import web

from services.notifier.cli import _test
from services.notifier.samples import TEST_FINGERPRINT
from services.notifier.settings import NotifierSettings
from tools.cli import main as cli_main


async def test_every_channel_gets_the_sample_and_each_answer_is_printed(
    capsys: pytest.CaptureFixture[str],
) -> None:
    got: list[tuple[str, Any]] = []

    async def handle(request: web.Request) -> web.Response:
        got.append((request.path, await request.json()))
        status = 500 if request.path == "/broken" else 200
        return web.Response(status=status, text="nope" if status == 500 else "ok")

    app = web.Application()
    app.router.add_post("/{name}", handle)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    base = f"http://127.0.0.1:{runner.addresses[0][1]}"
    try:
        settings = NotifierSettings(
            console=True,
            webhook_urls=[f"{base}/hook", f"{base}/broken"],
            slack_webhook_url=f"{base}/slack",
            slack_min_interval=0,
        )
        code = await _test(settings, resolve=True)
    finally:
        await runner.cleanup()
    out = capsys.readouterr().out
    assert code == 1  # one channel failed
    assert "[CRITICAL] TEST (vigil notify test): At least 25 children killed in Idlib" in out
    lines = [line for line in out.splitlines() if line.split()[:1] in (["webhook-1"], ["slack"])]
    assert len(lines) == 4 and all(" ok " in line and "HTTP 200" in line for line in lines)
    broken = [line for line in out.splitlines() if line.startswith("webhook-2")]
    assert len(broken) == 2 and all("FAILED" in line and "HTTP 500" in line for line in broken)
    assert "3 of 4 channel(s) accepted the test alert" in out
    hooks = [body for path, body in got if path == "/hook"]
    assert [(b["fingerprint"], b["seq"], b["transition"]) for b in hooks] == [
        (TEST_FINGERPRINT, 1, "fired"),
        (TEST_FINGERPRINT, 2, "resolved"),
    ]


def test_no_channel_is_exit_2_with_what_to_set(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("CONSOLE", "WEBHOOK_URLS", "SLACK_WEBHOOK_URL", "ALERTMANAGER_URL"):
        monkeypatch.delenv(f"VIGIL_NOTIFIER_{name}", raising=False)
    monkeypatch.delenv("VIGIL_NOTIFIER_PAGERDUTY_ROUTING_KEY", raising=False)
    assert cli_main(["notify", "test"]) == 2
    assert "no channel configured" in capsys.readouterr().err
