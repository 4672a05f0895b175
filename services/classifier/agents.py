"""Stream wiring of the classifier: reports in, classified incidents out."""

from __future__ import annotations

import time
from collections.abc import Sequence

from faust.types import TP, Message

from schemas.reports import IncidentReport
from services.classifier.logic import SeverityRules, classify, encode_classified
from services.classifier.metrics import ClassifierMetrics
from services.common.codec import decode
from services.common.errors import RejectedInput
from services.common.gazetteer import Gazetteer
from services.common.streams import elapsed, send_dead_letter
from services.common.topics import Topics
from services.common.transport import App, BatchHandler


def wire(
    app: App,
    topics: Topics,
    gazetteer: Gazetteer,
    severity: SeverityRules,
    metrics: ClassifierMetrics,
) -> BatchHandler:
    classified = topics.classified
    dlq = app.topic(topics.deadletters)

    @app.batch_agent(topics.reports)
    async def classify_reports(tp: TP, messages: Sequence[Message]) -> None:
        # Faust's producer itself, not ``Topic.send``: the same aiokafka producer without
        # the per-record FutureMessage, sensors and producer look-up (~10% of the CPU).
        producer = await app.maybe_start_producer()
        for message in messages:
            started = time.perf_counter()
            try:
                report = decode(IncidentReport, message.value)
            except RejectedInput as error:
                await send_dead_letter(dlq, "classifier", message, error, metrics)
                continue
            incident = classify(report, gazetteer, severity)
            # At-least-once: this returns once the record is in the producer's batch; the
            # batch is acked when the handler returns, and Faust flushes the producer
            # (waits for the broker's acks) before it commits an offset.
            await producer.send(
                classified,
                report.location.country.encode(),
                encode_classified(incident, (message.value or b"").decode("utf-8")),
                partition=None,
                timestamp=None,
                headers=None,
            )
            metrics.record_classified(incident, elapsed(started))

    return classify_reports
