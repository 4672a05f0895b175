"""Test doubles for the ingest service: a fake producer and a server in a thread.

``FakeProducer`` records what would have been published and can simulate a broker that is
down (``fail_start``) or never acknowledges (``hang``). ``serve_in_thread`` runs an app on
127.0.0.1, on a free port, on its own event loop, for synchronous clients (schemathesis,
hypothesis tests that drive plain HTTP).
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Callable, Iterator
from typing import Any

from aiohttp import web


class FakeProducer:
    def __init__(self, *, fail_start: bool = False, hang: bool = False) -> None:
        self.fail_start = fail_start
        self.hang = hang
        self.starts = 0
        self.stopped = False
        self.sent: list[tuple[str, bytes, bytes | None]] = []
        self.partitions: list[int | None] = []
        """The partition asked for, per record sent (None: the key's)."""
        self.partition_count = 1

    async def start(self) -> None:
        self.starts += 1
        if self.fail_start:
            raise ConnectionError("fake broker is down")

    async def stop(self) -> None:
        self.stopped = True

    async def send(
        self, topic: str, value: bytes, key: bytes | None = None, partition: int | None = None
    ) -> Any:
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        if not self.hang:
            self.sent.append((topic, value, key))
            self.partitions.append(partition)
            future.set_result(None)
        return future

    async def partitions_for(self, topic: str) -> set[int]:
        return set(range(self.partition_count))


@contextlib.contextmanager
def serve_in_thread(
    make_app: Callable[[], web.Application], timeout: float = 10.0
) -> Iterator[str]:
    """Yield the base URL of ``make_app()`` served from a background thread; stop it after."""
    ready = threading.Event()
    state: dict[str, Any] = {}

    async def run() -> None:
        runner = web.AppRunner(make_app(), handle_signals=False, access_log=None)
        await runner.setup()
        try:
            await web.TCPSite(runner, "127.0.0.1", 0).start()
            state["url"] = f"http://127.0.0.1:{runner.addresses[0][1]}"
            state["stop"] = stop = asyncio.Event()
            state["loop"] = asyncio.get_running_loop()
            ready.set()
            await stop.wait()
        finally:
            await runner.cleanup()

    def main() -> None:
        try:
            asyncio.run(run())
        except BaseException as exc:  # surfaced to the caller below
            state["error"] = exc
        finally:
            ready.set()

    thread = threading.Thread(target=main, name="ingest-test-server", daemon=True)
    thread.start()
    if not ready.wait(timeout) or "url" not in state:
        raise RuntimeError(f"test server did not start: {state.get('error')!r}")
    try:
        yield str(state["url"])
    finally:
        state["loop"].call_soon_threadsafe(state["stop"].set)
        thread.join(timeout)


def sample_report(report_id: str = "r-1", **overrides: Any) -> dict[str, Any]:
    """A valid IncidentReport as JSON-ready data (the seed story's Dec 1 Idlib incident)."""
    report: dict[str, Any] = {
        "report_id": report_id,
        "incident_id": "syr-idlib-2024-12-01",
        "source": {"name": "White Helmets", "kind": "ngo"},
        "reported_at": "2024-12-02T09:00:00Z",
        "occurred_at": "2024-12-01T00:00:00Z",
        "location": {"country": "SYR", "admin1": "Idlib"},
        "event_type": "air_strike",
        "alleged_perpetrators": ["Syrian government", "Russia"],
        "casualties": {
            "killed": {"qualifier": "at_least", "value": 25},
            "children_killed": {"qualifier": "at_least", "value": 10},
        },
    }
    report.update(overrides)
    return report


class FuzzTally:
    """Counts fuzzed inputs per test and prints them in pytest's terminal summary.

    A plain object with a ``pytest_terminal_summary`` hook (no pytest import here):
    ``FuzzTally.of(request.config)`` registers it once per session.
    """

    NAME = "vigil-fuzz-tally"

    def __init__(self) -> None:
        self.counts: dict[str, dict[str, int]] = {}

    @classmethod
    def of(cls, config: Any) -> FuzzTally:
        existing = config.pluginmanager.get_plugin(cls.NAME)
        if existing is None:
            existing = cls()
            config.pluginmanager.register(existing, cls.NAME)
        assert isinstance(existing, FuzzTally)
        return existing

    def add(self, test: str, outcome: str) -> None:
        per_test = self.counts.setdefault(test, {})
        per_test[outcome] = per_test.get(outcome, 0) + 1

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        if not self.counts:
            return
        total = sum(sum(c.values()) for c in self.counts.values())
        terminalreporter.section(f"fuzzed inputs: {total}")
        for test, counts in sorted(self.counts.items()):
            detail = ", ".join(f"{k} {v}" for k, v in sorted(counts.items()))
            terminalreporter.write_line(f"{test}: {sum(counts.values())} ({detail})")
