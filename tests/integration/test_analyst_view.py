"""The analyst's view of the stack ``make run`` starts, as a person uses it: the console's
URL is printed and every alert line carries its page's URL; ``vigil alerts``, ``vigil
status`` and ``vigil tail`` find the stack with no flags (its run-state file) and work
with ``--bootstrap``; the seed story's Idlib alert page, loaded in a real headless
Chromium from the running console, shows the chart and the White Helmets evidence (a
screenshot is written for the record)."""

from __future__ import annotations

import asyncio
import json
import os
import re
import signal
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.browser import browser, require_chromium
from tools.demo.runner import EXAMPLE_REPORT

pytestmark = [pytest.mark.integration, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]
DEADLINE = 90.0
IDLIB_LINE = re.compile(
    r"ALERT #2 CRITICAL\s+UPDATED\s+children_killed_24h: At least 13 children killed in Idlib"
    r".* -> (http://127\.0\.0\.1:\d+/alerts/children_killed_24h:[0-9a-f]+)$"
)


async def vigil(*args: str, runtime: Path, limit: float = 60.0) -> tuple[int, str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("VIGIL_")}
    env["VIGIL_RUNTIME_DIR"] = str(runtime)
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "tools.cli", *args,
        cwd=ROOT, env=env, stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    try:
        out, err = await asyncio.wait_for(process.communicate(), limit)
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    assert process.returncode is not None
    return process.returncode, out.decode(), err.decode()


class Demo:
    """``make run`` in a subprocess, its output read line by line."""

    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self.process = process
        self.lines: list[str] = []

    async def until(self, pattern: re.Pattern[str]) -> re.Match[str]:
        end = time.monotonic() + DEADLINE
        for line in self.lines:
            found = pattern.search(line)
            if found:
                return found
        assert self.process.stdout is not None
        while True:
            left = end - time.monotonic()
            assert left > 0, f"no line like {pattern.pattern}:\n" + "\n".join(self.lines)
            raw = await asyncio.wait_for(self.process.stdout.readline(), left)
            assert raw, "make run exited:\n" + "\n".join(self.lines)
            self.lines.append(raw.decode().rstrip())
            found = pattern.search(self.lines[-1])
            if found:
                return found


def post_example(curl_line: str) -> None:
    token = re.search(r"Bearer (\S+)'", curl_line)
    url = re.search(r"(http://127\.0\.0\.1:\d+/v1/reports)", curl_line)
    assert token and url, curl_line
    request = urllib.request.Request(
        url.group(1),
        data=EXAMPLE_REPORT.read_bytes(),
        headers={"Authorization": f"Bearer {token.group(1)}", "Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.status in (200, 202)


async def stop(process: asyncio.subprocess.Process) -> None:
    """Ctrl-C, so that ``make run`` stops its services by PID; SIGKILL only if it hangs."""
    if process.returncode is not None:
        return
    process.send_signal(signal.SIGINT)
    try:
        await asyncio.wait_for(process.wait(), 60)
    except TimeoutError:
        process.kill()
        await process.wait()


async def test_make_run_console_pages_and_commands(tmp_path: Path) -> None:
    require_chromium()
    runtime = tmp_path / "runtime"
    env = {k: v for k, v in os.environ.items() if not k.startswith("VIGIL_")}
    env["VIGIL_RUNTIME_DIR"] = str(runtime)
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "tools.demo",
        cwd=ROOT, env=env, stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )  # fmt: skip
    demo = Demo(process)
    try:
        broker = (await demo.until(re.compile(r"broker on (127\.0\.0\.1:\d+)"))).group(1)
        curl = (await demo.until(re.compile(r"curl .*/v1/reports"))).group(0)
        console = (await demo.until(re.compile(r"^console: (http://127\.0\.0\.1:\d+)/ "))).group(1)
        page_url = (await demo.until(IDLIB_LINE)).group(1)
        assert page_url.startswith(f"{console}/alerts/")
        alert_lines = [line for line in demo.lines if "] ALERT #" in line]
        assert alert_lines and all(f" -> {console}/alerts/" in line for line in alert_lines)
        (state_file,) = runtime.glob("stack-*.json")
        assert json.loads(state_file.read_text())["console_url"] == console

        # vigil alerts: found with no flags, a table with the page's URL
        code, out, err = await vigil("alerts", runtime=runtime)
        assert code == 0, err
        print(out)
        assert "LEVEL" in out and "PAGE" in out
        row = next(line for line in out.splitlines() if "children_killed_24h" in line)
        assert row.startswith("CRITICAL") and "SYR / Idlib" in row and "at least 13" in row
        assert page_url in row
        assert "2 alerts firing: 1 critical, 1 warning" in out

        # vigil status: services, lag, clocks, dead letters (a group shows once it committed)
        committed = re.compile(
            r"^vigil-aggregator\s+vigil\.incidents\.classified\.v1\s+0\s+15\s+15\s+0$", re.M
        )
        end = time.monotonic() + DEADLINE
        while True:
            code, out, err = await vigil("status", runtime=runtime)
            assert code == 0, err
            if committed.search(out) or time.monotonic() > end:
                break
            await asyncio.sleep(1.0)
        print(out)
        for name in ("aggregator", "classifier", "console", "extractor", "ingest", "notifier"):
            assert re.search(rf"^{name}\s+ready\s", out, re.MULTILINE), name
        assert committed.search(out), out
        assert re.search(r"^SYR\s+2024-12-01 17:00 UTC$", out, re.MULTILINE)
        assert "DEAD LETTERS: 0" in out

        # vigil tail: the last transitions, then one as it happens (the example report)
        code, out, err = await vigil("tail", "--last", "4", "--count", "4", runtime=runtime)
        assert code == 0, err
        assert len(out.splitlines()) == 4 and page_url in out
        tail = asyncio.create_task(
            vigil("tail", "--count", "1", "--timeout", "60", runtime=runtime, limit=70)
        )
        await asyncio.sleep(3.0)  # tail has assigned itself to the topic's end
        post_example(curl)
        code, out, err = await tail
        assert code == 0, err
        (line,) = out.splitlines()
        print(line)
        assert "FIRED" in line and "Hama" in line and f"{console}/alerts/" in line

        # --bootstrap: any broker, no run-state file needed
        empty = tmp_path / "nothing-running"
        code, out, err = await vigil("alerts", "--bootstrap", broker, runtime=empty)
        assert code == 0, err
        assert "children_killed_24h" in out and "3 alerts firing" in out
        code, out, err = await vigil(
            "status", "--bootstrap", broker, "--console-url", console, runtime=empty
        )
        assert code == 0, err and "SYR" in out
        code, _, err = await vigil("alerts", runtime=empty)
        assert code == 2 and "no running Vigil found" in err

        # the Idlib alert's page in a real browser
        async with browser() as chrome:
            page = await chrome.new_page()
            await page.goto(page_url)
            assert await page.box("#chart svg.wide") is not None
            labels = await page.evaluate(
                "[...document.querySelectorAll('#chart svg.wide text')].map(t => t.textContent)"
            )
            assert "critical 10" in labels
            evidence = await page.text("#evidence")
            assert "White Helmets" in evidence and "NGO" in evidence and "counted" in evidence
            shot = await page.screenshot("make-run-alert-idlib.png")
            print(f"screenshot: {shot}")
            await page.goto(f"{console}/")
            assert "Firing now: 3" in await page.text("#firing")
            shot = await page.screenshot("make-run-console.png")
            print(f"screenshot: {shot}")

        process.send_signal(signal.SIGINT)
        rest, _ = await asyncio.wait_for(process.communicate(), 60)
        demo.lines += rest.decode().splitlines()
    finally:
        await stop(process)
    assert "stopped: no process left behind" in demo.lines[-1]
    assert process.returncode == 0
    assert not list(runtime.glob("stack-*.json"))
