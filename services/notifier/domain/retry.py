"""How a delivery attempt ended, and how long to wait before the next one."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from email.utils import parsedate_to_datetime
from enum import StrEnum

RETRYABLE_STATUSES = frozenset({408, 425, 429})
"""4xx statuses that mean "later", not "never"."""


class Outcome(StrEnum):
    DELIVERED = "delivered"
    RETRY = "retry"
    PERMANENT = "permanent"
    SKIPPED = "skipped"
    """The channel has nothing to send for this transition (settled without a request)."""


def parse_retry_after(value: str | None, now: datetime) -> float | None:
    """Seconds a ``Retry-After`` header asks to wait: delay-seconds or an HTTP-date
    (RFC 9110 10.2.3). None when absent or unreadable (then the backoff applies)."""
    if value is None:
        return None
    text = value.strip()
    if text.isdigit():
        return float(text)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        return None
    return max(0.0, (when - now).total_seconds())


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

    def wait(
        self, attempt: int, rng: Callable[[], float], retry_after: float | None, cap: float
    ) -> float:
        """The backoff delay, but never shorter than what the endpoint asked for with
        ``Retry-After`` (itself capped at ``cap``, so a hostile value cannot stall a
        channel for days)."""
        delay = self.delay(attempt, rng)
        if retry_after is not None:
            delay = max(delay, min(retry_after, cap))
        return delay

    def gives_up(self, attempt: int) -> bool:
        """True when failed attempt ``attempt`` was the last one allowed."""
        return self.max_attempts is not None and attempt >= self.max_attempts
