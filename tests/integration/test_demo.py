"""``make run`` as a newcomer sees it: every service (notifier and extractor included)
starts, and a message delivered to a channel is printed for the Idlib alert, reading as
the incident's day; Ctrl-C stops everything."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import time
from pathlib import Path

import pytest

pytestmark = [pytest.mark.integration, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]
DEADLINE = 90.0


async def test_make_run_prints_a_delivered_idlib_message_that_reads_as_its_day() -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("VIGIL_")}
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "tools.demo",
        cwd=ROOT,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    lines: list[str] = []
    try:
        assert process.stdout is not None
        end = time.monotonic() + DEADLINE
        delivered: list[str] | None = None
        while delivered is None:
            assert time.monotonic() < end, "no delivered message:\n" + "\n".join(lines)
            raw = await asyncio.wait_for(process.stdout.readline(), DEADLINE)
            assert raw, "make run exited:\n" + "\n".join(lines)
            lines.append(raw.decode().rstrip())
            if "DELIVERED to" in lines[-1]:
                block: list[str] = []
                while len(block) < 9:
                    raw = await asyncio.wait_for(process.stdout.readline(), DEADLINE)
                    block.append(raw.decode().rstrip())
                if "Idlib" in block[0] and "children killed" in block[0]:
                    delivered = block
                lines += block
        process.send_signal(signal.SIGINT)
        rest, _ = await asyncio.wait_for(process.communicate(), 60)
        lines += rest.decode().splitlines()
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    output = "\n".join(lines)
    for name in ("classifier", "aggregator", "ingest", "extractor", "notifier"):
        assert f"{name:<11} metrics: http://127.0.0.1:" in output
    assert delivered is not None
    head = delivered[0]
    assert "[CRITICAL] At least 10 children killed in Idlib, SYR on 2024-12-01" in head
    assert "When: 2024-12-01" in delivered[1]
    assert "2024-11-30" not in output and "confidence" not in output
    assert any("Verification: 1 source: White Helmets (NGO)" in line for line in delivered)
    assert "stopped: no process left behind" in output
    assert process.returncode == 0
