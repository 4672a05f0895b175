"""The alert lifecycle of one (rule, group): fire, escalate, de-escalate, resolve, update.

The *live* level is the rule's level for the window ending at the event-time clock T
(with the rule's hysteresis on the way down). Nothing is emitted while it stays the same,
except an *update*: with the rule's ``update_step`` set, a value that rose by at least
that step (and by ``update_ratio`` of itself) since it was last announced at the level in
force is announced again (``updated``, its own seq, the level unchanged: no new page).

Late reports: when an incident changes, every window containing it that ends by T is
searched for its peak. If a past window reached a level above both the announced and
the live level, and no announced episode at that level or above overlaps that window,
the crossing is announced *late*: ONE ``late`` notice carrying the past window's true
start and end, its value and the level it reached (``peak``), while the level in force
stays what it was (a late crossing is news about the past, never a page that resolves a
moment later). An episode is the span of window ends over which a level was announced;
remembering them keeps a past crossing from being announced again by every further late
report. A past crossing no higher than the level in force is not announced: the alert
already says it.
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
    value: int = 0
    """The value last announced at the level in force (updates are measured from it)."""

    def to_json(self) -> dict[str, object]:
        return {
            "rule": self.rule,
            "group_key": self.group_key,
            "level": self.level,
            "seq": self.seq,
            "episodes": [[e.first_end, e.last_end, e.level] for e in self.episodes],
            "value": self.value,
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
            value=int(data.get("value") or 0),  # type: ignore[call-overload]
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
    peak: int = 0
    """Late notices: the level the past window reached (``level`` stays the one in force)."""
    was: int = 0
    """Updates: the value announced before this one."""


def _kind(previous: int, level: int) -> Transition:
    if level > previous:
        return Transition.FIRED if previous == 0 else Transition.ESCALATED
    return Transition.RESOLVED if level == 0 else Transition.DEESCALATED


def _overlaps(episode: Episode, end: float, width: float, now: float) -> bool:
    last = now if episode.last_end is None else episode.last_end
    return episode.first_end - width < end < last + width


def quiet(rule: Rule, state: AlertState | None, live_value: int) -> bool:
    """True when ``decide`` with no peak would emit nothing for ``live_value``: the engine
    skips the decision for such a group (its hot path)."""
    if state is None or state.level == 0:
        return live_value < rule.levels[0].threshold
    if rule.level_for(live_value, state.level) != state.level:
        return False
    due = rule.update_due(state.value)
    return due is None or live_value < due


def _rose(rule: Rule, state: AlertState, live_value: int) -> bool:
    due = rule.update_due(state.value)
    return due is not None and live_value >= due


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

    if peak is not None:
        peak_value, peak_end = peak
        peak_level = rule.fire_level(peak_value)
        if peak_level > max(state.level, live) and not any(
            e.level >= peak_level and _overlaps(e, peak_end, width, now) for e in state.episodes
        ):  # (the episodes are scanned only for a peak above the levels in force)
            state.seq += 1
            status = AlertStatus.FIRING if state.level else AlertStatus.RESOLVED
            steps.append(
                Step(
                    state.seq,
                    Transition.LATE,
                    status,
                    state.level,
                    state.level,
                    peak_value,
                    peak_end,
                    late=True,
                    peak=peak_level,
                )
            )
            state.episodes.append(Episode(peak_end, peak_end, peak_level))
    if live != state.level:
        _close(state, now)
        previous = state.level
        state.seq += 1
        status = AlertStatus.FIRING if live else AlertStatus.RESOLVED
        steps.append(
            Step(state.seq, _kind(previous, live), status, live, previous, live_value, now, False)
        )
        state.level = live
        state.value = live_value
        if live:
            state.episodes.append(Episode(now, None, live))
    elif live and _rose(rule, state, live_value):
        state.seq += 1
        steps.append(
            Step(
                state.seq,
                Transition.UPDATED,
                AlertStatus.FIRING,
                live,
                live,
                live_value,
                now,
                False,
                was=state.value,
            )
        )
        state.value = live_value
    return steps


def _close(state: AlertState, now: float) -> None:
    # Only the live episode is ever open, but late episodes (closed) may follow it.
    for episode in reversed(state.episodes):
        if episode.last_end is None:
            episode.last_end = now
            return


def prune_episodes(state: AlertState, horizon: float) -> None:
    """Forget closed episodes whose windows ended before ``horizon``."""
    state.episodes = [e for e in state.episodes if e.last_end is None or e.last_end >= horizon]
