"""A small, dependency-free progress bar for long command-line work (imports, replays).

Writes to stderr (so stdout stays clean for results). On a terminal it redraws one line
with a carriage return at most ``1 / min_interval`` times a second; when stderr is not a
terminal (CI logs, pipes) it prints a plain line each time another ``step_percent`` of
the work is done, so logs show progress without thousands of carriage returns.

The clock and the stream are injectable so tests are exact::

    with Progress(total=1000, label="acled") as bar:
        for row in rows:
            ...
            bar.advance()
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from types import TracebackType
from typing import TextIO


def format_duration(seconds: float) -> str:
    """``0:07``, ``3:05``, ``1:02:03``."""
    seconds = max(0, round(seconds))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def render(
    count: int, total: int | None, elapsed: float, *, label: str = "", width: int = 24
) -> str:
    """One status line: bar, count/total, percent, rate and ETA (pure, for tests)."""
    rate = count / elapsed if elapsed > 0 else 0.0
    parts = [label] if label else []
    if total:
        done = min(count, total) / total
        filled = int(done * width)
        parts.append("[" + "#" * filled + "." * (width - filled) + "]")
        parts.append(f"{count:,}/{total:,}")
        parts.append(f"{done * 100:3.0f}%")
    else:
        parts.append(f"{count:,}")
    parts.append(f"{rate:,.0f}/s")
    if total and rate > 0 and count < total:
        parts.append(f"ETA {format_duration((total - count) / rate)}")
    else:
        parts.append(f"elapsed {format_duration(elapsed)}")
    return "  ".join(parts)


class Progress:
    """Count work done against an optional total and show it on ``stream``."""

    def __init__(
        self,
        total: int | None,
        *,
        label: str = "",
        stream: TextIO | None = None,
        clock: Callable[[], float] = time.monotonic,
        min_interval: float = 0.1,
        step_percent: int = 10,
        tty: bool | None = None,
    ) -> None:
        self.total = total
        self.label = label
        self.count = 0
        self._stream = stream if stream is not None else sys.stderr
        self._clock = clock
        self._min_interval = min_interval
        self._step = max(1, step_percent)
        self._tty = self._stream.isatty() if tty is None else tty
        self._start = clock()
        self._last_draw: float | None = None
        self._last_step = 0
        self._closed = False

    @property
    def elapsed(self) -> float:
        return self._clock() - self._start

    def advance(self, n: int = 1) -> None:
        self.update(self.count + n)

    def update(self, count: int) -> None:
        self.count = count
        if self._tty:
            now = self._clock()
            if self._last_draw is None or now - self._last_draw >= self._min_interval:
                self._last_draw = now
                self._write("\r" + self._line() + "\x1b[K")
        elif self.total:
            step = int(min(count, self.total) * 100 / self.total) // self._step
            if step > self._last_step:
                self._last_step = step
                self._write(self._line() + "\n")

    def close(self) -> None:
        """Draw the final state once (always, whatever the rate limit) and end the line."""
        if self._closed:
            return
        self._closed = True
        if self._tty:
            self._write("\r" + self._line() + "\x1b[K\n")
        elif not self.total or self._last_step * self._step < 100:
            self._write(self._line() + "\n")

    def _line(self) -> str:
        return render(self.count, self.total, self.elapsed, label=self.label)

    def _write(self, text: str) -> None:
        self._stream.write(text)
        self._stream.flush()

    def __enter__(self) -> Progress:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
