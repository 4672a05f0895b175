"""One error base for Vigil, and the policy that goes with it.

Error policy: a ``RejectedInput`` is an expected outcome (bad bytes, a report that fails
validation, a rules file with a mistake). Services catch it, count it in a metric, send
the record to the dead-letter topic with its reason, and go on. Anything else is a bug
and is allowed to crash the worker loudly.
"""

from __future__ import annotations

from enum import StrEnum


class VigilError(Exception):
    """Base of every error Vigil raises on purpose."""


class RejectionKind(StrEnum):
    """Why an input was refused: the ``error_type`` of its dead letter, the label of
    ``vigil_deadletters_total`` and of ``vigil deadletters list --reason``. One list for
    every service and tool, so a dashboard or a consumer of the dead-letter topic can
    rely on it (values are only ever added)."""

    DECODE = "decode"  # not the expected JSON: no value, too big, not UTF-8, bad JSON
    VALIDATION = "validation"  # JSON of the wrong shape (pydantic's messages in the reason)
    FUTURE = "future"  # dated beyond the wall clock (or the replayed history) + the skew
    CONFLICT = "conflict"  # a report_id seen before with other content
    TOO_LATE = "too_late"  # its incident lies the lateness or more behind its country's clock
    UNPLACED = "unplaced"  # free text whose claims could not be placed (extractor)
    TOO_LARGE = "too_large"  # a text above the extractor's limit
    TOO_MANY = "too_many"  # more reports in one ingest request than allowed
    DELIVERY = "delivery"  # a channel refused an alert for good (notifier)
    IO = "io"  # a file a tool was given cannot be read
    ENCODING = "encoding"  # a file a tool was given is not UTF-8
    EXPORT = "export"  # a dead letter that cannot be exported as a report
    REDRIVE = "redrive"  # a dead letter that cannot be re-driven


class RejectedInput(VigilError):
    """Input that cannot be accepted, and why (``kind``).

    The edge policy every consumer follows: ``services.common.codec.decode`` turns bytes
    into a model or raises this; the service catches it and calls
    ``services.common.streams.send_dead_letter``, which writes the dead letter (original
    key, value and headers, where it came from, the reason) and counts it in
    ``vigil_deadletters_total{error_type}``; processing goes on.
    """

    def __init__(self, reason: str, kind: RejectionKind = RejectionKind.VALIDATION) -> None:
        super().__init__(reason)
        self.reason = reason
        self.kind = kind


class ConfigError(VigilError):
    """A settings or rules file is wrong; the message names the file and the line."""
