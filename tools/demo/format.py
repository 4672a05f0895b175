"""One line per alert or dead letter, for a terminal; the message a channel delivered."""

from __future__ import annotations

from schemas.alerts import Alert, Transition
from schemas.deadletters import DeadLetter
from services.notifier.domain.text import message_lines


def alert_line(alert: Alert) -> str:
    """``ALERT #1 CRITICAL FIRED children_killed_24h: At least 10 children killed in Idlib,
    SYR on 2024-12-01: critical (threshold 10 in 24 h); 1 source: White Helmets (NGO) ...``"""
    if alert.transition is Transition.LATE:
        level = f"LATE:{(alert.peak_level or '').upper()}"
    else:
        level = (alert.level or f"{alert.previous_level} -> ok").upper()
    words = f"; {alert.verification_text}" if alert.verification_text else ""
    return (
        f"ALERT #{alert.seq} {level:<10} {alert.transition.value.upper():<11} {alert.rule}: "
        f"{alert.summary}{words}"
    )


def delivered_block(channel: str, alert: Alert, url: str | None) -> str:
    """The message as the channel delivered it, indented under one heading line."""
    lines = message_lines(alert, url)
    return f"DELIVERED to {channel}:\n" + "\n".join(f"    {line}" for line in lines)


def dead_letter_line(letter: DeadLetter) -> str:
    return (
        f"DEAD LETTER from {letter.service} ({letter.source_topic}@{letter.source_offset}, "
        f"{letter.error_type}): {letter.reason[:160]}"
    )
