"""How a delivery attempt ended, and how long to wait before the next one."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

RETRYABLE_STATUSES = frozenset({408, 425, 429})
"""4xx statuses that mean "later", not "never"."""


class Outcome(StrEnum):
    DELIVERED = "delivered"
    RETRY = "retry"
    PERMANENT = "permanent"


def classify_status(status: int | None) -> Outcome:
    """2xx: delivered. No response (connection error, timeout), 408/425/429 or 5xx: retry.
    Anything else (other 4xx, and 1xx/3xx since redirects are not followed): permanent,
    because sending the same request again will get the same answer."""
    if status is None or status in RETRYABLE_STATUSES or 500 <= status <= 599:
        return Outcome.RETRY
    if 200 <= status <= 299:
        return Outcome.DELIVERED
    return Outcome.PERMANENT


@dataclass(frozen=True)
class RetryPolicy:
    """Exponential backoff with jitter, capped.

    Attempt ``n`` (1 = the first attempt that failed) waits
    ``min(max_delay, base_delay * factor ** (n - 1))`` scaled down by a random share of up
    to ``jitter`` (so many notifiers retrying a recovered endpoint do not arrive together).
    ``max_attempts`` None means retry forever: the alert stays pending until delivered.
    """

    base_delay: float = 0.5
    factor: float = 2.0
    max_delay: float = 60.0
    jitter: float = 0.5
    max_attempts: int | None = None

    def __post_init__(self) -> None:
        if self.base_delay <= 0 or self.max_delay < self.base_delay or self.factor < 1:
            raise ValueError("need 0 < base_delay <= max_delay and factor >= 1")
        if not 0 <= self.jitter <= 1:
            raise ValueError("jitter must be within [0, 1]")
        if self.max_attempts is not None and self.max_attempts < 1:
            raise ValueError("max_attempts must be at least 1 (or None: forever)")

    def ceiling(self, attempt: int) -> float:
        """The delay after failed attempt ``attempt`` before jitter."""
        if attempt < 1:
            raise ValueError("attempts count from 1")
        # Cap the exponent first: factor ** attempt overflows a float long before
        # an endpoint that has been down for a week stops being retried.
        exponent = min(attempt - 1, 64)
        return min(self.max_delay, self.base_delay * self.factor**exponent)

    def delay(self, attempt: int, rng: Callable[[], float]) -> float:
        """Seconds to wait after failed attempt ``attempt``; ``rng`` returns floats in [0, 1)."""
        return self.ceiling(attempt) * (1.0 - self.jitter * rng())

    def gives_up(self, attempt: int) -> bool:
        """True when failed attempt ``attempt`` was the last one allowed."""
        return self.max_attempts is not None and attempt >= self.max_attempts
