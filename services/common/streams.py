"""The edge policy every Vigil consumer shares: decode, handle, or dead-letter and go on.

A record that cannot be accepted raises ``RejectedInput`` (``services.common.codec.decode``
for bytes, the rules for a refused report) and goes through ``send_dead_letter``: one dead
letter with the original key, value and headers, where it came from and why (the
``RejectionKind``), counted in ``vigil_deadletters_total{error_type}`` and logged. The
classifier, extractor and aggregator (Faust topics) and the notifier (an aiokafka
producer) all use it."""

from __future__ import annotations

import logging
import time
from datetime import UTC, datetime
from typing import Any, Protocol

from schemas.deadletters import DeadLetter
from services.common.deadletter import dead_letter
from services.common.errors import RejectedInput

log = logging.getLogger(__name__)


class DeadLetterTopic(Protocol):
    """Where dead letters go: a Faust topic, or an adapter around a producer."""

    async def send(self, *, key: bytes | None, value: bytes) -> Any: ...


class CountsRejections(Protocol):
    def record_rejected(self, error_type: str) -> None: ...


def letter_for(
    service: str, message: Any, error: RejectedInput, now: datetime | None = None
) -> DeadLetter:
    """The dead letter of a consumed record (anything with topic, partition, offset, key,
    value and headers): its original bytes, where it came from, and why it was rejected."""
    headers = message.headers or []
    if isinstance(headers, dict):
        headers = list(headers.items())
    return dead_letter(
        service=service,
        reason=error.reason,
        error_type=error.kind,
        topic=message.topic,
        partition=message.partition,
        offset=message.offset,
        key=message.key,
        value=message.value,
        headers=[(str(k), bytes(v or b"")) for k, v in headers],
        now=now or datetime.now(UTC),
    )


async def send_dead_letter(
    dlq: DeadLetterTopic,
    service: str,
    message: Any,
    error: RejectedInput,
    metrics: CountsRejections,
    now: datetime | None = None,
) -> None:
    """Keep the original record (key, value, headers) with the reason; count it."""
    letter = letter_for(service, message, error, now)
    await dlq.send(key=message.key, value=letter.model_dump_json().encode("utf-8"))
    metrics.record_rejected(error.kind)
    log.warning(
        "%s: rejected %s[%s]@%s: %s",
        service,
        message.topic,
        message.partition,
        message.offset,
        error.reason,
    )


def elapsed(started: float) -> float:
    return time.perf_counter() - started
