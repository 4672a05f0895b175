"""Pacing publication to a rate: a token bucket with time passed in (pure)."""

from __future__ import annotations


class TokenBucket:
    """``rate`` tokens a second, holding at most ``burst`` (default: one second's worth).

    ``reserve(n, now)`` takes ``n`` tokens and returns how long to wait before using
    them; the balance may go negative, so waits queue up fairly and the long-run rate
    never exceeds ``rate`` plus the initial burst.
    """

    def __init__(self, rate: float, now: float, burst: float | None = None) -> None:
        if not rate > 0:
            raise ValueError(f"rate must be above 0, got {rate}")
        self.rate = rate
        self.burst = max(1.0, rate if burst is None else burst)
        self._tokens = self.burst
        self._last = now

    def reserve(self, n: int, now: float) -> float:
        elapsed = max(0.0, now - self._last)
        self._last = max(self._last, now)
        self._tokens = min(self.burst, self._tokens + elapsed * self.rate) - n
        return 0.0 if self._tokens >= 0 else -self._tokens / self.rate


def batch_size(rate: float | None, default: int = 500) -> int:
    """Reports per publish call: a tenth of a second's worth when paced, so sends stay
    smooth instead of arriving in bursts of ``default``."""
    if rate is None:
        return default
    return max(1, min(default, int(rate / 10)))
