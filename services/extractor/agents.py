"""Stream wiring of the extractor: raw text in, IncidentReports out.

A record's value is UTF-8 text. Optional headers steer extraction: ``vigil-reported-at``
(ISO 8601; else the record's timestamp), ``vigil-country`` (ISO3 for texts that name no
country) and ``vigil-source`` (who published the text). A text whose casualty claims
cannot be placed (no country, no date) goes to the dead-letter topic with the reasons,
so it can be re-driven with a header added; a text with no casualty claim is counted.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Any

import faust

from schemas.reports import Source, SourceKind
from services.common.errors import RejectedInput, RejectionKind
from services.common.publisher import encode_report, report_key
from services.common.streams import elapsed, send_dead_letter
from services.common.topics import Topics
from services.extractor.domain import extract_all
from services.extractor.metrics import ExtractorMetrics


def _headers(message: Any) -> dict[str, str]:
    raw = message.headers or []
    pairs = raw.items() if isinstance(raw, dict) else raw
    return {str(k).lower(): bytes(v or b"").decode("utf-8", "replace") for k, v in pairs}


def _reported_at(headers: dict[str, str], message: Any) -> datetime:
    text = headers.get("vigil-reported-at")
    if text:
        try:
            value = datetime.fromisoformat(text)
        except ValueError:
            raise RejectedInput(f"header vigil-reported-at {text!r} is not ISO 8601") from None
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    return datetime.fromtimestamp(message.timestamp or time.time(), tz=UTC)


def wire(
    app: faust.App, topics: Topics, metrics: ExtractorMetrics, default_country: str | None
) -> Any:
    raw_text = app.topic(topics.raw_text)
    reports = app.topic(topics.reports)
    dlq = app.topic(topics.deadletters)

    @app.agent(raw_text, name="extract_reports")
    async def extract_reports(stream: Any) -> None:
        async for event in stream.events():
            started = time.perf_counter()
            message = event.message
            try:
                if message.value is None:
                    raise RejectedInput("record has no value", RejectionKind.DECODE)
                try:
                    text = message.value.decode("utf-8")
                except UnicodeDecodeError as exc:
                    raise RejectedInput(
                        f"value is not UTF-8: {exc}", RejectionKind.DECODE
                    ) from None
                headers = _headers(message)
                source = headers.get("vigil-source")
                result = extract_all(
                    text,
                    reported_at=_reported_at(headers, message),
                    default_country=headers.get("vigil-country") or default_country,
                    source=Source(name=source, kind=SourceKind.MEDIA) if source else None,
                )
                if not result.reports and result.skipped:
                    reasons = "; ".join(f"{s.reason}: {s.sentence[:120]!r}" for s in result.skipped)
                    raise RejectedInput(
                        f"no claim could be placed: {reasons}", RejectionKind.UNPLACED
                    )
            except RejectedInput as error:
                await send_dead_letter(dlq, "extractor", message, error, metrics)
                if error.kind == "unplaced":
                    metrics.texts.labels("unplaced").inc()
                continue
            for report in result.reports:
                await reports.send(key=report_key(report), value=encode_report(report))
            outcome = "reports" if result.reports else "no_incident"
            metrics.record_text(outcome, [r.kind.value for r in result.reports], elapsed(started))

    return extract_reports
