"""Stream wiring of the classifier: reports in, classified incidents out."""

from __future__ import annotations

import time
from typing import Any

import faust

from schemas.reports import IncidentReport
from services.classifier.logic import SeverityRules, classify
from services.classifier.metrics import ClassifierMetrics
from services.common.codec import decode
from services.common.errors import RejectedInput
from services.common.gazetteer import Gazetteer
from services.common.streams import elapsed, send_dead_letter
from services.common.topics import Topics


def wire(
    app: faust.App,
    topics: Topics,
    gazetteer: Gazetteer,
    severity: SeverityRules,
    metrics: ClassifierMetrics,
) -> Any:
    reports = app.topic(topics.reports)
    classified = topics.classified
    dlq = app.topic(topics.deadletters)

    @app.agent(reports, name="classify_reports")
    async def classify_reports(stream: Any) -> None:
        # Faust's producer itself, not ``Topic.send``: the same aiokafka producer without
        # the per-record FutureMessage, sensors and producer look-up (~10% of the CPU).
        producer = await app.maybe_start_producer()
        async for event in stream.events():
            started = time.perf_counter()
            message = event.message
            try:
                report = decode(IncidentReport, message.value)
            except RejectedInput as error:
                await send_dead_letter(dlq, "classifier", message, error, metrics)
                continue
            incident = classify(report, gazetteer, severity)
            # At-least-once: this returns once the record is in the producer's batch; the
            # event is acked when the loop asks for the next one, and Faust flushes the
            # producer (waits for the broker's acks) before it commits an offset.
            await producer.send(
                classified,
                report.location.country.encode(),
                incident.model_dump_json(exclude_none=True).encode("utf-8"),
                partition=None,
                timestamp=None,
                headers=None,
            )
            metrics.record_classified(incident, elapsed(started))

    return classify_reports
