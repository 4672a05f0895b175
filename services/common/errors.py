"""One error base for Vigil, and the policy that goes with it.

Error policy: a ``RejectedInput`` is an expected outcome (bad bytes, a report that fails
validation, a rules file with a mistake). Services catch it, count it in a metric, send
the record to the dead-letter topic with its reason, and go on. Anything else is a bug
and is allowed to crash the worker loudly.
"""

from __future__ import annotations


class VigilError(Exception):
    """Base of every error Vigil raises on purpose."""


class RejectedInput(VigilError):
    """Input that cannot be accepted; ``kind`` is a short machine-readable class."""

    def __init__(self, reason: str, kind: str = "validation") -> None:
        super().__init__(reason)
        self.reason = reason
        self.kind = kind


class ConfigError(VigilError):
    """A settings or rules file is wrong; the message names the file and the line."""
