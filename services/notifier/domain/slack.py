"""Slack incoming-webhook message (Block Kit) for one alert transition."""

from __future__ import annotations

from schemas.alerts import Alert, Transition
from services.notifier.domain.payloads import JSON
from services.notifier.domain.text import (
    evidence_lines,
    headline,
    period_text,
    rule_text,
    value_text,
    verification_words,
)

EVIDENCE_SHOWN = 3
SECTION_LIMIT = 2900  # Slack rejects section text over 3000 characters
HEADER_LIMIT = 150


def escape(text: str) -> str:
    """Slack mrkdwn treats &, < and > as control characters."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _field(title: str, value: str) -> JSON:
    return {"type": "mrkdwn", "text": _clip(f"*{title}*\n{escape(value)}", 1900)}


def _level(alert: Alert) -> str:
    if alert.transition is Transition.LATE:
        now = alert.level or "nothing firing"
        return f"a past window reached {alert.peak_level} (now: {now})"
    if alert.level is None:
        return f"resolved (was {alert.previous_level or '-'})"
    if alert.previous_level and alert.previous_level != alert.level:
        return f"{alert.level} (was {alert.previous_level})"
    return alert.level


def slack_payload(alert: Alert, url: str | None = None) -> JSON:
    evidence = evidence_lines(alert, EVIDENCE_SHOWN) or ["(no incidents listed)"]
    facts = [
        _field("Level", _level(alert)),
        _field("When", period_text(alert)),
        _field("Value", value_text(alert)),
        _field("Rule", rule_text(alert)),
    ]
    if alert.perpetrators:
        facts.append(_field("Alleged perpetrators", ", ".join(alert.perpetrators)))
    link = f" · <{url}|open>" if url else ""
    blocks: list[JSON] = [
        {
            "type": "header",
            "text": {"type": "plain_text", "text": _clip(headline(alert), HEADER_LIMIT)},
        },
        {
            "type": "section",
            "text": {"type": "mrkdwn", "text": _clip(escape(alert.summary), SECTION_LIMIT)},
            "fields": facts,
        },
        {
            "type": "section",
            "text": {
                "type": "mrkdwn",
                "text": _clip(
                    f"*Verification*\n{escape(verification_words(alert))}", SECTION_LIMIT
                ),
            },
        },
        {
            "type": "section",
            "text": {
                "type": "mrkdwn",
                "text": _clip(
                    "*Evidence*\n" + "\n".join(f"• {escape(line)}" for line in evidence),
                    SECTION_LIMIT,
                ),
            },
        },
        {
            "type": "context",
            "elements": [
                {
                    "type": "mrkdwn",
                    "text": escape(f"alert {alert.fingerprint} #{alert.seq}") + link,
                }
            ],
        },
    ]
    return {"text": _clip(escape(headline(alert)), SECTION_LIMIT), "blocks": blocks}
