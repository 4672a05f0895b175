"""Which alert transitions the notifier sends: new ones (by seq) at or above a minimum level."""

from __future__ import annotations

from collections.abc import MutableMapping

from schemas.alerts import Alert

LEVEL_RANKS: dict[str, int] = {
    "info": 0,
    "low": 0,
    "warning": 1,
    "medium": 1,
    "error": 2,
    "high": 2,
    "critical": 3,
}
"""Known level names, lowest first. Rule files name their levels freely; see ``level_rank``."""


def level_rank(level: str | None) -> int:
    """Rank of a level name; an unknown name ranks highest so that it is never filtered out
    (a typo in a rules file must not silence an alert)."""
    if level is None:
        return -1
    return LEVEL_RANKS.get(level.lower(), max(LEVEL_RANKS.values()))


def passes_min_level(alert: Alert, min_level: str) -> bool:
    """True when the level now in force *or* the one just left reaches ``min_level``.

    Using both means the on-call channel hears about every change of an alert it was told
    about: a resolve or de-escalation of a critical alert is sent even though the level
    after it (None, or warning) is below the minimum.
    """
    floor = level_rank(min_level)
    return max(level_rank(alert.level), level_rank(alert.previous_level)) >= floor


class SeqFilter:
    """Highest seq seen per fingerprint; admits only transitions newer than that.

    Kafka delivers at least once (replays after a rebalance or restart), so the same
    transition, or an older one, can arrive again. ``seen`` is injectable so that tests
    and a future persistent store can provide the state.
    """

    def __init__(self, seen: MutableMapping[str, int] | None = None) -> None:
        self.seen: MutableMapping[str, int] = {} if seen is None else seen

    def admit(self, fingerprint: str, seq: int) -> bool:
        """True (and remembered) when ``seq`` is above every seq seen for ``fingerprint``."""
        if seq <= self.seen.get(fingerprint, 0):
            return False
        self.seen[fingerprint] = seq
        return True
