"""Decoding records into schema models, turning every failure into a ``RejectedInput``.

A record is read as a tolerant consumer reads it (schemas/COMPATIBILITY.md): fields the
model does not know are ignored, so a record from a newer producer of the same
``schema_version`` (one that added a field) is not dead-lettered. The models themselves
forbid unknown fields, which keeps what Vigil writes, and the ingest API, strict."""

from __future__ import annotations

from typing import TypeVar

from pydantic import BaseModel, ValidationError

from services.common.errors import RejectedInput, RejectionKind

M = TypeVar("M", bound=BaseModel)

MAX_RECORD_BYTES = 1_048_576


def explain(error: ValidationError, limit: int = 10) -> str:
    """One line per problem: ``field.path: message``."""
    parts = []
    for item in error.errors()[:limit]:
        where = ".".join(str(p) for p in item["loc"]) or "(record)"
        parts.append(f"{where}: {item['msg']}")
    more = error.error_count() - limit
    if more > 0:
        parts.append(f"... and {more} more")
    return "; ".join(parts)


def decode(model: type[M], value: bytes | None) -> M:
    if value is None:
        raise RejectedInput("record has no value (tombstone)", RejectionKind.DECODE)
    if len(value) > MAX_RECORD_BYTES:
        raise RejectedInput(
            f"record is {len(value)} bytes, over {MAX_RECORD_BYTES}", RejectionKind.DECODE
        )
    try:
        text = value.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise RejectedInput(f"value is not UTF-8: {exc}", RejectionKind.DECODE) from None
    try:
        return model.model_validate_json(text, extra="ignore")
    except ValidationError as exc:
        kind = (
            RejectionKind.DECODE
            if any(e["type"] == "json_invalid" for e in exc.errors())
            else RejectionKind.VALIDATION
        )
        raise RejectedInput(explain(exc), kind) from None
