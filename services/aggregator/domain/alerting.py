"""The alert lifecycle of one (rule, group): fire, escalate, de-escalate, resolve.

The *live* level is the rule's level for the window ending at the event-time clock T
(with the rule's hysteresis on the way down). Nothing is emitted while it stays the same.

Late reports: when an incident changes, every window containing it that ends by T is
searched for its peak. If a past window reached a level above both the announced and
the live level, and no announced episode at that level or above overlaps that window,
the crossing is announced *late*: a transition up to the peak level carrying the past
window's true start and end (``late=True``), then straight back to the live level. An
episode is the span of window ends over which a level was announced; remembering them
keeps a past crossing from being announced again by every further late report. A past
crossing no higher than the level in force is not announced: the alert already says it.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from functools import lru_cache

from schemas.alerts import AlertStatus, Transition
from services.aggregator.domain.rules import Rule


@lru_cache(maxsize=65536)
def fingerprint(rule_name: str, group_key: str) -> str:
    """Stable id of (rule, group): the same for every transition of this alert."""
    digest = hashlib.sha256(f"{rule_name}\x1f{group_key}".encode()).hexdigest()[:16]
    return f"{rule_name}:{digest}"


@dataclass
class Episode:
    first_end: float
    last_end: float | None
    """None while the episode is still open (the live level is in force)."""
    level: int


@dataclass
class AlertState:
    rule: str
    group_key: str
    level: int = 0
    seq: int = 0
    episodes: list[Episode] = field(default_factory=list)

    def to_json(self) -> dict[str, object]:
        return {
            "rule": self.rule,
            "group_key": self.group_key,
            "level": self.level,
            "seq": self.seq,
            "episodes": [[e.first_end, e.last_end, e.level] for e in self.episodes],
        }

    @classmethod
    def from_json(cls, data: dict[str, object]) -> AlertState:
        episodes = data.get("episodes") or []
        assert isinstance(episodes, list)
        return cls(
            rule=str(data["rule"]),
            group_key=str(data["group_key"]),
            level=int(data["level"]),  # type: ignore[call-overload]
            seq=int(data["seq"]),  # type: ignore[call-overload]
            episodes=[
                Episode(float(a), None if b is None else float(b), int(lv)) for a, b, lv in episodes
            ],
        )


@dataclass(frozen=True)
class Step:
    """One decided transition; the engine turns it into an Alert record."""

    seq: int
    transition: Transition
    status: AlertStatus
    level: int
    previous: int
    value: int
    window_end: float
    late: bool


def _kind(previous: int, level: int) -> Transition:
    if level > previous:
        return Transition.FIRED if previous == 0 else Transition.ESCALATED
    return Transition.RESOLVED if level == 0 else Transition.DEESCALATED


def _overlaps(episode: Episode, end: float, width: float, now: float) -> bool:
    last = now if episode.last_end is None else episode.last_end
    return episode.first_end - width < end < last + width


def decide(
    rule: Rule,
    state: AlertState,
    now: float,
    live_value: int,
    peak: tuple[int, float] | None = None,
) -> list[Step]:
    """Transitions for ``state`` at event time ``now``; updates ``state`` in place.

    ``peak`` is ``(value, window_end)`` of the highest past window around a changed
    incident, or None when nothing changed that could raise a past window.
    """
    steps: list[Step] = []
    width = rule.window_seconds
    live = rule.level_for(live_value, state.level)

    def move(level: int, value: int, end: float, late: bool) -> None:
        previous = state.level
        state.seq += 1
        status = AlertStatus.FIRING if level else AlertStatus.RESOLVED
        steps.append(
            Step(state.seq, _kind(previous, level), status, level, previous, value, end, late)
        )
        state.level = level

    if peak is not None:
        peak_value, peak_end = peak
        peak_level = rule.fire_level(peak_value)
        if peak_level > max(state.level, live) and not any(
            e.level >= peak_level and _overlaps(e, peak_end, width, now) for e in state.episodes
        ):  # (the episodes are scanned only for a peak above the levels in force)
            _close(state, now)
            move(peak_level, peak_value, peak_end, late=True)
            state.episodes.append(Episode(peak_end, peak_end, peak_level))
    if live != state.level:
        _close(state, now)
        move(live, live_value, now, late=False)
        if live:
            state.episodes.append(Episode(now, None, live))
    return steps


def _close(state: AlertState, now: float) -> None:
    # Every episode is appended after this ran, and only the live one is left open, so
    # an open episode is always the last: look from the end, stop at a closed one.
    for episode in reversed(state.episodes):
        if episode.last_end is not None:
            return
        episode.last_end = now


def prune_episodes(state: AlertState, horizon: float) -> None:
    """Forget closed episodes whose windows ended before ``horizon``."""
    state.episodes = [e for e in state.episodes if e.last_end is None or e.last_end >= horizon]
