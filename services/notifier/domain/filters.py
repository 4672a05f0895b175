"""Which alert transitions the notifier sends: those at or above a minimum level (by the
rule's own order of levels, which every alert carries).

(Which transitions a channel already delivered is the delivery ledger's business:
``domain.ledger``.)"""

from __future__ import annotations

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
    after it (None, or warning) is below the minimum. A late notice counts with the level
    its past window reached.

    The order of levels is the rule's, carried by the alert (``levels`` and the ranks):
    when the rule has a level named ``min_level``, the alert passes when one of its ranks
    reaches that level's rank. Only for a rule without such a level (or an alert from a
    producer that sends no ranks) are names compared through ``LEVEL_RANKS``.
    """
    if alert.levels and min_level in alert.levels:
        floor = alert.levels.index(min_level) + 1
        ranks = (alert.level_rank, alert.previous_level_rank, alert.peak_level_rank)
        return max((r for r in ranks if r is not None), default=0) >= floor
    floor = level_rank(min_level)
    names = (level_rank(alert.level), level_rank(alert.previous_level))
    return max(*names, level_rank(alert.peak_level)) >= floor
