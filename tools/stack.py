"""A set of Vigil services as worker processes on loopback, for the demo, replays,
benchmarks and tests: each runs as ``python -m services.<name>`` with its settings in the
environment, in its own session (so a terminal's Ctrl-C reaches only the parent, which
stops every child by PID)."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from tools.broker import EmbeddedBroker, free_port

FAST_JOIN = {"VIGIL_BROKER_SESSION_TIMEOUT": "2", "VIGIL_BROKER_HEARTBEAT_INTERVAL": "0.5"}
"""Short group-session settings: a worker joins Tansu in ~2 s instead of ~30 s."""


@dataclass
class Stack:
    run_dir: Path
    bootstrap: str
    broker: EmbeddedBroker | None = None
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    urls: dict[str, str] = field(default_factory=dict)

    def start_service(self, name: str, extra_env: dict[str, str] | None = None) -> None:
        port = free_port()
        env = {
            **os.environ,
            "VIGIL_KAFKA_BOOTSTRAP": self.bootstrap,
            "VIGIL_HTTP_HOST": "127.0.0.1",
            "VIGIL_HTTP_PORT": str(port),
            **FAST_JOIN,
            "VIGIL_DATA_DIR": str(self.run_dir / name),
            **(extra_env or {}),
        }
        log = (self.run_dir / f"{name}.log").open("wb")
        self.processes[name] = subprocess.Popen(
            [sys.executable, "-m", f"services.{name}"],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,  # Ctrl-C reaches only us; we stop the children by PID
        )
        log.close()
        self.urls[name] = f"http://127.0.0.1:{port}/metrics"

    def stop(self) -> None:
        for proc in self.processes.values():
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + 15
        for proc in self.processes.values():
            try:
                proc.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        if self.broker is not None:
            self.broker.stop()


def wait_http(url: str, deadline: float) -> bool:
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError), urllib.request.urlopen(url, timeout=1) as response:
            if response.status == 200:
                return True
        time.sleep(0.2)
    return False
