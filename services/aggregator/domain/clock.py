"""The event-time clock T of one aggregator partition.

T is the highest event position seen. When no report arrives for ``idle_after`` seconds
of wall time, a tick moves T on at wall-clock speed from where the last report left it,
so incidents leave windows and alerts resolve on a quiet stream. Wall time enters only
through arguments; a replay without pauses never depends on it.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class Clock:
    now: float | None = None
    """Event time T (epoch seconds), None before the first incident."""
    anchor_event: float | None = None
    """T when the last report was applied."""
    anchor_wall: float | None = None
    """Wall time when the last report was applied."""

    def observe(self, position: float, wall: float) -> bool:
        """A report at ``position`` was applied at ``wall``; True when T moved."""
        moved = self.now is None or position > self.now
        if moved:
            self.now = position
        self.anchor_event, self.anchor_wall = self.now, wall
        return moved

    def tick(self, wall: float, idle_after: float) -> bool:
        """Advance T on an idle stream; True when T moved."""
        if self.now is None or self.anchor_event is None or self.anchor_wall is None:
            return False
        idle = wall - self.anchor_wall
        if idle < idle_after:
            return False
        target = self.anchor_event + idle
        if target <= self.now:
            return False
        self.now = target
        return True

    def to_json(self) -> dict[str, float | None]:
        return {"now": self.now, "anchor_event": self.anchor_event, "anchor_wall": self.anchor_wall}

    @classmethod
    def from_json(cls, data: dict[str, float | None]) -> Clock:
        return cls(data.get("now"), data.get("anchor_event"), data.get("anchor_wall"))
