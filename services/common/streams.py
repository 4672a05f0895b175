"""The shape every Vigil stream agent shares: decode, handle, or dead-letter and go on."""

from __future__ import annotations

import logging
import time
from datetime import UTC, datetime
from typing import Any

from schemas.deadletters import DeadLetter
from services.common.deadletter import dead_letter
from services.common.errors import RejectedInput
from services.common.metrics import StreamMetrics

log = logging.getLogger(__name__)


def letter_for(service: str, message: Any, error: RejectedInput) -> DeadLetter:
    """The dead letter of a consumed record: its original key, value and headers, where
    it came from, and why it was rejected."""
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
        now=datetime.now(UTC),
    )


async def send_dead_letter(
    dlq: Any, service: str, message: Any, error: RejectedInput, metrics: StreamMetrics
) -> None:
    """Keep the original record (key, value, headers) with the reason; count it."""
    letter = letter_for(service, message, error)
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
