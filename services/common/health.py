"""Liveness and readiness, the same on every service.

``GET /healthz`` (alive): the process answers HTTP, so its event loop runs; always 200.
An orchestrator restarts a service whose ``/healthz`` stops answering.

``GET /readyz`` (ready): 200 when every check of the service passes, else 503; the body
names each check with its state either way. The checks:

* ``broker``: the last broker round trip (the lag probe's, ``services.common.lag``)
  succeeded within ``3 x VIGIL_PROBE_INTERVAL_SECONDS``;
* ``group`` (consumers): the worker joined its consumer group and holds an assignment
  (of zero or more partitions); not while a rebalance is under way;
* ``tables`` (Faust workers): the tables are recovered from their changelogs, so the
  worker processes new input instead of rebuilding state.

Readiness is what a load balancer or ``depends_on: service_healthy`` should wait for;
``deploy/healthcheck.py`` asks ``/readyz`` for the compose healthchecks.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from services.common.version import version


@dataclass(frozen=True)
class Check:
    ok: bool
    detail: str


CheckFn = Callable[[], Check]


class Health:
    """The named readiness checks of one service process."""

    def __init__(self, service: str, clock: Callable[[], float] = time.monotonic) -> None:
        self.service = service
        self.clock = clock
        self.started = clock()
        self.checks: dict[str, CheckFn] = {}

    def add(self, name: str, check: CheckFn) -> None:
        self.checks[name] = check

    def liveness(self) -> dict[str, Any]:
        return {
            "status": "ok",
            "service": self.service,
            "version": version(),
            "uptime_seconds": round(self.clock() - self.started, 3),
        }

    def readiness(self) -> tuple[bool, dict[str, Any]]:
        results = {name: check() for name, check in self.checks.items()}
        ready = all(result.ok for result in results.values())
        body = {
            "status": "ready" if ready else "not_ready",
            "service": self.service,
            "checks": {
                name: {"ok": result.ok, "detail": result.detail} for name, result in results.items()
            },
        }
        return ready, body


class BrokerContact:
    """When the broker last answered; a check that fails once it has not for a while."""

    def __init__(self, stale_after: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.stale_after = stale_after
        self.clock = clock
        self.last_ok: float | None = None
        self.last_error: str | None = None

    def succeeded(self) -> None:
        self.last_ok = self.clock()
        self.last_error = None

    def failed(self, error: BaseException | str) -> None:
        self.last_error = error if isinstance(error, str) else f"{type(error).__name__}: {error}"

    def check(self) -> Check:
        if self.last_ok is None:
            return Check(False, self.last_error or "not contacted yet")
        age = self.clock() - self.last_ok
        if self.last_error is not None:
            return Check(False, f"{self.last_error} (last answer {age:.1f} s ago)")
        if age > self.stale_after:
            return Check(False, f"no answer for {age:.1f} s")
        return Check(True, f"answered {age:.1f} s ago")


class GroupMembership:
    """Consumer-group state as rebalance callbacks report it."""

    def __init__(self) -> None:
        self.assigned: int | None = None  # partitions of the latest assignment
        self.rebalancing = False

    def on_revoked(self) -> None:
        self.rebalancing = True

    def on_assigned(self, partitions: int) -> None:
        self.assigned = partitions
        self.rebalancing = False

    def check(self) -> Check:
        if self.assigned is None:
            return Check(False, "joining the consumer group")
        if self.rebalancing:
            return Check(False, "rebalancing")
        return Check(True, f"{self.assigned} partition(s) assigned")
