"""Pure rules of the dead-letter tool: decoding entries, selecting (by service and by
reason), formatting, planning a re-drive, and taking the reports out of dead letters for
a replay. No Kafka here: the CLI feeds records in and sends plans out."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from schemas.deadletters import DeadLetter
from schemas.incidents import ClassifiedIncident
from schemas.reports import IncidentReport
from services.common.codec import decode
from services.common.deadletter import (
    REDRIVEN_HEADER,
    original_headers,
    original_key,
    original_value,
)
from services.common.errors import RejectedInput, RejectionKind

"""Added to every re-driven record: the dead-letter offset it came from."""


@dataclass(frozen=True)
class Entry:
    """One record of the dead-letter topic: a DeadLetter, or why it is not one."""

    partition: int
    offset: int
    timestamp_ms: int | None
    letter: DeadLetter | None
    problem: str | None = None


def parse_entry(
    partition: int, offset: int, timestamp_ms: int | None, value: bytes | None
) -> Entry:
    try:
        return Entry(partition, offset, timestamp_ms, decode(DeadLetter, value))
    except RejectedInput as exc:
        return Entry(partition, offset, timestamp_ms, None, f"not a DeadLetter: {exc.reason}")


def select(
    entries: Iterable[Entry],
    *,
    service: str | None,
    limit: int | None,
    reason: str | None = None,
) -> Iterator[Entry]:
    """Entries of ``service`` (all when None) whose error type is ``reason`` (any when
    None), at most ``limit`` of them. Undecodable entries show unless a reason is asked."""
    shown = 0
    for entry in entries:
        if limit is not None and shown >= limit:
            return
        letter = entry.letter
        if letter is None:
            wanted = reason is None
        else:
            wanted = (service is None or letter.service == service) and (
                reason is None or letter.error_type == reason
            )
        if wanted:
            shown += 1
            yield entry


def original_report(entry: Entry) -> IncidentReport:
    """The IncidentReport a dead letter holds: its original value is a report (refused by
    the classifier) or a classified incident (refused by the aggregator). Raises
    ``RejectedInput`` when it holds neither."""
    letter = entry.letter
    if letter is None:
        raise RejectedInput(f"offset {entry.offset}: {entry.problem}", RejectionKind.EXPORT)
    value = original_value(letter)
    try:
        return decode(ClassifiedIncident, value).report
    except RejectedInput:
        pass
    try:
        return decode(IncidentReport, value)
    except RejectedInput as exc:
        raise RejectedInput(
            f"offset {entry.offset}: holds no incident report ({exc.reason[:200]})",
            RejectionKind.EXPORT,
        ) from None


def preview(data: bytes | None, width: int = 80) -> str:
    """A one-line, printable look at original bytes."""
    if data is None:
        return "(no value)"
    text = data.decode("utf-8", errors="backslashreplace")
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 3] + "..."


def _time(timestamp_ms: int | None, letter: DeadLetter | None) -> str:
    if letter is not None:
        return letter.failed_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    if timestamp_ms is None:
        return "-"
    return datetime.fromtimestamp(timestamp_ms / 1000, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def format_line(entry: Entry, width: int = 80) -> str:
    when = _time(entry.timestamp_ms, entry.letter)
    head = f"{entry.partition}:{entry.offset}  {when}"
    letter = entry.letter
    if letter is None:
        return f"{head}  {entry.problem}"
    source = f"{letter.source_topic}[{letter.source_partition}]@{letter.source_offset}"
    return (
        f"{head}  {letter.service}  {source}  {letter.error_type}: {letter.reason}\n"
        f"    value: {preview(original_value(letter), width)}"
    )


def to_json(entry: Entry) -> str:
    data: dict[str, object] = {"partition": entry.partition, "offset": entry.offset}
    if entry.letter is None:
        data["problem"] = entry.problem
    else:
        data["dead_letter"] = entry.letter.model_dump(mode="json")
        data["value_preview"] = preview(original_value(entry.letter))
    return json.dumps(data, ensure_ascii=False)


@dataclass(frozen=True)
class RedrivePlan:
    offset: int
    topic: str
    key: bytes | None
    value: bytes | None
    headers: list[tuple[str, bytes]]

    def describe(self) -> str:
        names = ", ".join(name for name, _ in self.headers) or "none"
        size = "no value" if self.value is None else f"{len(self.value)} bytes"
        what = f"key {self.key!r}, {size}, headers: {names}"
        return f"dead letter {self.offset} -> {self.topic} ({what})"


def plan_redrive(
    entry: Entry, *, value: bytes | None = None, to_topic: str | None = None
) -> RedrivePlan:
    """The record to re-publish: the original key and headers (with ``REDRIVEN_HEADER``
    set to this dead letter's offset, replacing an earlier one), the original value or
    ``value`` when a fixed one is given, to the source topic or ``to_topic``."""
    letter = entry.letter
    if letter is None:
        raise RejectedInput(f"offset {entry.offset}: {entry.problem}", RejectionKind.REDRIVE)
    headers = [(n, v) for n, v in original_headers(letter) if n != REDRIVEN_HEADER]
    headers.append((REDRIVEN_HEADER, str(entry.offset).encode("ascii")))
    return RedrivePlan(
        offset=entry.offset,
        topic=to_topic or letter.source_topic,
        key=original_key(letter),
        value=original_value(letter) if value is None else value,
        headers=headers,
    )


def missing_offsets(wanted: Sequence[int], found: Iterable[Entry]) -> list[int]:
    have = {e.offset for e in found}
    return [o for o in wanted if o not in have]
