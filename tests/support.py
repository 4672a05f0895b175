"""The test helpers every tier shares: one way to wait for a condition (sync and async),
one way to read records from a topic, one way to stop a process started by a test."""

from __future__ import annotations

import asyncio
import signal
import subprocess
import time
from collections.abc import Callable
from typing import Any, TypeVar

from aiokafka import AIOKafkaConsumer

T = TypeVar("T")


def wait_until(check: Callable[[], T | None], seconds: float, what: str) -> T:
    """Call ``check`` until it returns something truthy (an ``OSError`` counts as not yet)
    or ``seconds`` pass; then fail naming ``what`` and the last answer."""
    deadline = time.monotonic() + seconds
    last: object = None
    while time.monotonic() < deadline:
        try:
            result = check()
        except OSError as exc:
            result, last = None, exc
        else:
            last = result
        if result:
            return result
        time.sleep(0.1)
    raise AssertionError(f"timed out after {seconds}s waiting for {what} (last: {last!r})")


async def poll(
    check: Callable[[], bool], deadline: float, what: str, interval: float = 0.05
) -> None:
    """Await until ``check()`` holds; fail once ``time.monotonic()`` passes ``deadline``."""
    while not check():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        await asyncio.sleep(interval)


async def consume(bootstrap: str, topic: str, count: int, wait_seconds: float = 15.0) -> list[Any]:
    """The first ``count`` records of ``topic`` (fewer if the deadline passes first)."""
    consumer = AIOKafkaConsumer(
        topic, bootstrap_servers=bootstrap, group_id=None, auto_offset_reset="earliest"
    )
    await consumer.start()
    records: list[Any] = []
    try:
        deadline = time.monotonic() + wait_seconds
        while len(records) < count and time.monotonic() < deadline:
            for batch in (await consumer.getmany(timeout_ms=200)).values():
                records.extend(batch)
    finally:
        await consumer.stop()
    return records


def stop_process(process: subprocess.Popen[bytes], grace: float = 10.0) -> None:
    """SIGTERM, wait up to ``grace`` seconds, then SIGKILL: by the process's own PID."""
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(grace)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(5)
