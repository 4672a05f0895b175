"""Build dead-letter records: the original bytes, where they came from, and why."""

from __future__ import annotations

import base64
from collections.abc import Iterable
from datetime import datetime

from schemas.deadletters import DeadLetter

# Set on a record that `vigil deadletters redrive` re-published (value: the dead letter's
# offset): the consumer that reads it must process it even if it took the original for
# a duplicate (the notifier delivers it again to the channels that failed).
REDRIVEN_HEADER = "vigil-redriven-from"


def _b64(data: bytes | None) -> str | None:
    return None if data is None else base64.b64encode(data).decode("ascii")


def dead_letter(
    *,
    service: str,
    reason: str,
    error_type: str,
    topic: str,
    partition: int,
    offset: int,
    key: bytes | None,
    value: bytes | None,
    headers: Iterable[tuple[str, bytes]],
    now: datetime,
) -> DeadLetter:
    return DeadLetter(
        service=service,
        reason=reason[:2000],
        error_type=error_type,
        source_topic=topic,
        source_partition=partition,
        source_offset=offset,
        key_b64=_b64(key),
        value_b64=_b64(value),
        headers=[(name, _b64(v) or "") for name, v in headers],
        failed_at=now,
    )


def original_value(letter: DeadLetter) -> bytes | None:
    return None if letter.value_b64 is None else base64.b64decode(letter.value_b64)


def original_key(letter: DeadLetter) -> bytes | None:
    return None if letter.key_b64 is None else base64.b64decode(letter.key_b64)


def original_headers(letter: DeadLetter) -> list[tuple[str, bytes]]:
    return [(name, base64.b64decode(v)) for name, v in letter.headers]
