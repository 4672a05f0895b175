"""Pure rules of the ingest endpoint: request body -> reports, and the answer's shape.

No HTTP or Kafka here. ``parse_body`` turns raw bytes into a list of items or raises
``RejectedInput`` (kind ``decode``: 400, kind ``too_many``: 413); ``validate_items``
checks every item against ``IncidentReport`` and the event-time guard (a report dated more
than the skew after ``now`` is refused, naming the field) and lists, per rejected item,
every failing field with its message. ``now`` is an argument; when the caller leaves it
out, the wall clock is read.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Literal

import pydantic_core
from pydantic import BaseModel, Field, ValidationError

from schemas.reports import IncidentReport
from services.common.errors import RejectedInput, RejectionKind
from services.common.eventtime import FutureGuard

MAX_ERRORS_PER_ITEM = 20
"""More errors than this on one item are summarised (a garbage item can have hundreds)."""
MAX_MESSAGE_CHARS = 500


class FieldError(BaseModel):
    field: str = Field(description="Dotted path, e.g. 'casualties.killed.value'; '' = the item.")
    message: str


class Rejection(BaseModel):
    index: int = Field(description="Position of the item in the request (0 for a single object).")
    report_id: str | None = Field(default=None, description="The item's report_id, if it had one.")
    errors: list[FieldError]


class BatchResult(BaseModel):
    """Body of 202 (some accepted) and 422 (none accepted)."""

    accepted: list[str] = Field(description="report_ids acknowledged by the broker.")
    rejected: list[Rejection]


class ErrorBody(BaseModel):
    """Body of every other error (400, 401, 403, 413, 415, 503)."""

    error: str = Field(description="Short machine-readable class, e.g. 'malformed_json'.")
    message: str
    retry_after_seconds: int | None = Field(default=None, description="503 only.")


class Unavailable(ErrorBody):
    """Body of 503: what the client may assume about the reports it sent."""

    published: Literal["none", "unknown"] = Field(
        description="none: nothing of this request reached the broker. unknown: the reports "
        "were handed to the broker but not acknowledged in time; some or all may be "
        "published, also later, once the broker is back. Either way, sending the same "
        "reports again (same report_id) is safe: a report_id already counted changes nothing."
    )
    report_ids: list[str] = Field(description="The valid reports of this request, to send again.")


@dataclass(frozen=True)
class Validated:
    valid: list[IncidentReport]
    rejected: list[Rejection]


def parse_body(raw: bytes, max_items: int) -> list[object]:
    """One JSON object -> one item; a JSON array -> its elements (each validated later)."""
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise RejectedInput(f"body is not valid UTF-8: {exc}", RejectionKind.DECODE) from None
    try:
        # pydantic-core's parser has a nesting limit, so deep nesting is an error, not a crash.
        value = pydantic_core.from_json(raw, allow_inf_nan=False)
    except ValueError as exc:
        raise RejectedInput(f"body is not valid JSON: {exc}", RejectionKind.DECODE) from None
    if isinstance(value, dict):
        return [value]
    if isinstance(value, list):
        if not value:
            raise RejectedInput(
                "the array is empty: send at least one report", RejectionKind.DECODE
            )
        if len(value) > max_items:
            raise RejectedInput(
                f"{len(value)} reports in one request, the limit is {max_items}",
                RejectionKind.TOO_MANY,
            )
        return value
    raise RejectedInput(
        f"body is a JSON {type(value).__name__}: send a report object or an array of them",
        RejectionKind.DECODE,
    )


def field_errors(error: ValidationError) -> list[FieldError]:
    out = []
    for item in error.errors(include_url=False, include_input=False)[:MAX_ERRORS_PER_ITEM]:
        where = ".".join(str(p) for p in item["loc"])
        out.append(FieldError(field=where, message=item["msg"][:MAX_MESSAGE_CHARS]))
    more = error.error_count() - MAX_ERRORS_PER_ITEM
    if more > 0:
        out.append(FieldError(field="", message=f"... and {more} more errors"))
    return out


def _claimed_id(item: object) -> str | None:
    if isinstance(item, dict):
        value = item.get("report_id")
        if isinstance(value, str):
            return value[:200]
    return None


def validate_items(
    items: list[object], now: float | None = None, guard: FutureGuard | None = None
) -> Validated:
    """Every item checked; ``now`` (epoch seconds; default the wall clock) and ``guard``
    (default: the default skew) judge whether a report lies in the future."""
    guard = guard or FutureGuard()
    wall = time.time() if now is None else now
    valid: list[IncidentReport] = []
    rejected: list[Rejection] = []
    for index, item in enumerate(items):
        if not isinstance(item, dict):
            message = f"expected a report object, got a JSON {type(item).__name__}"
            errors = [FieldError(field="", message=message)]
            rejected.append(Rejection(index=index, errors=errors))
            continue
        try:
            report = IncidentReport.model_validate(item)
            future = guard.field(report, wall)
            if future is None:
                valid.append(report)
            else:
                message = (guard.reason(report, wall) or "")[:MAX_MESSAGE_CHARS]
                rejected.append(
                    Rejection(
                        index=index,
                        report_id=report.report_id,
                        errors=[FieldError(field=future, message=message)],
                    )
                )
        except ValidationError as exc:
            rejected.append(
                Rejection(index=index, report_id=_claimed_id(item), errors=field_errors(exc))
            )
        except OverflowError as exc:
            # Date arithmetic in a model validator at the calendar's edge (year 9999):
            # bad input, so a rejection, never a 500.
            errors = [FieldError(field="", message=f"a date is out of range: {exc}")]
            rejected.append(Rejection(index=index, report_id=_claimed_id(item), errors=errors))
    return Validated(valid, rejected)
