"""One line per alert or dead letter, for a terminal."""

from __future__ import annotations

from schemas.alerts import Alert
from schemas.deadletters import DeadLetter


def alert_line(alert: Alert) -> str:
    level = (alert.level or f"{alert.previous_level} -> ok").upper()
    window = f"{alert.window_start:%Y-%m-%d %H:%M} .. {alert.window_end:%Y-%m-%d %H:%M} UTC"
    threshold = "" if alert.threshold is None else f"/{alert.threshold}"
    sources = sorted({s.source for e in alert.evidence for s in e.sources if s.used})
    late = " (late reports)" if alert.late else ""
    return (
        f"ALERT #{alert.seq} {level:<10} {alert.transition.value.upper():<11} {alert.rule} "
        f"{alert.group_key}: {alert.measure} {alert.value}{threshold} window {window}{late}; "
        f"{len(alert.evidence)} incident(s), sources: {', '.join(sources) or '-'}; "
        f"confidence {alert.confidence:.2f}"
    )


def dead_letter_line(letter: DeadLetter) -> str:
    return (
        f"DEAD LETTER from {letter.service} ({letter.source_topic}@{letter.source_offset}, "
        f"{letter.error_type}): {letter.reason[:160]}"
    )
