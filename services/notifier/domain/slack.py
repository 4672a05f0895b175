"""Slack incoming-webhook message (Block Kit) for one alert transition."""

from __future__ import annotations

from schemas.alerts import Alert
from services.notifier.domain.payloads import JSON
from services.notifier.domain.text import (
    evidence_lines,
    headline,
    region,
    shown_level,
    value_text,
    window_text,
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


def slack_payload(alert: Alert) -> JSON:
    level = shown_level(alert) or "-"
    if alert.previous_level and alert.level and alert.previous_level != alert.level:
        level = f"{alert.level} (was {alert.previous_level})"
    elif alert.level is None:
        level = f"resolved (was {alert.previous_level or '-'})"
    evidence = evidence_lines(alert, EVIDENCE_SHOWN) or ["(no incidents listed)"]
    blocks: list[JSON] = [
        {
            "type": "header",
            "text": {"type": "plain_text", "text": _clip(headline(alert), HEADER_LIMIT)},
        },
        {
            "type": "section",
            "text": {"type": "mrkdwn", "text": _clip(escape(alert.summary), SECTION_LIMIT)},
            "fields": [
                _field("Level", level),
                _field("Rule", alert.rule),
                _field("Region", region(alert)),
                _field("Value / threshold", value_text(alert)),
                _field("Window", window_text(alert)),
                _field("Confidence", f"{alert.confidence:.0%}"),
            ],
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
                    "text": escape(f"fingerprint {alert.fingerprint} · transition {alert.seq}"),
                }
            ],
        },
    ]
    text = _clip(escape(f"{headline(alert)}: {alert.summary}"), SECTION_LIMIT)
    return {"text": text, "blocks": blocks}
