"""Stream wiring of the classifier: reports in, classified incidents out."""

from __future__ import annotations

import time
from collections.abc import Sequence

from faust.types import TP, Message

from schemas.incidents import ClassifiedIncident
from schemas.reports import IncidentReport
from services.classifier.logic import SeverityRules, classify, encode_classified
from services.classifier.metrics import ClassifierMetrics
from services.common.batches import Record, send_batches
from services.common.codec import decode
from services.common.errors import RejectedInput, RejectionKind
from services.common.eventtime import FutureGuard
from services.common.gazetteer import Gazetteer
from services.common.streams import elapsed, send_dead_letter
from services.common.topics import Topics
from services.common.transport import App, BatchHandler
from services.common.worker import kafka_producer


def wire(
    app: App,
    topics: Topics,
    gazetteer: Gazetteer,
    severity: SeverityRules,
    metrics: ClassifierMetrics,
    guard: FutureGuard,
) -> BatchHandler:
    classified = topics.classified
    dlq = app.topic(topics.deadletters)

    @app.batch_agent(topics.reports)
    async def classify_reports(tp: TP, messages: Sequence[Message]) -> None:
        out: list[Record] = []
        done: list[tuple[ClassifiedIncident, float]] = []
        wall = time.time()
        for message in messages:
            started = time.perf_counter()
            try:
                report = decode(IncidentReport, message.value)
                if guard.field(report, wall) is not None:  # no clock moves beyond it
                    raise RejectedInput(guard.reason(report, wall) or "", RejectionKind.FUTURE)
            except RejectedInput as error:
                await send_dead_letter(dlq, "classifier", message, error, metrics)
                continue
            incident = classify(report, gazetteer, severity)
            value = encode_classified(incident, (message.value or b"").decode("utf-8"))
            out.append((report.location.country.encode(), value, None))
            done.append((incident, elapsed(started)))
        # At-least-once: the batch is in the producer when this returns; the inputs are
        # then acked, and Faust flushes the producer (waits for the broker's acks) before
        # it commits an offset.
        await send_batches(await kafka_producer(app), classified, out)
        metrics.record_classified_many(done)  # counted once handed over, as the aggregator does

    return classify_reports
