"""Credentials of the ingest endpoint: bearer tokens (``services.common.auth``, constant
time against every token), and what a URL must never carry."""

from __future__ import annotations

from collections.abc import Iterable

from services.common.auth import AuthResult, check_bearer

__all__ = ["AuthResult", "check_bearer", "credentials_in_query", "redact_query"]

CREDENTIAL_PARAMS = frozenset({"token", "access_token", "api_key", "apikey", "key", "auth"})
"""Query parameters that carry credentials when a client pastes them into a URL."""


def redact_query(query_string: str) -> str:
    """The query string with every value replaced (names kept): nothing a client put in a
    URL, a token least of all, reaches a log line."""
    parts = []
    for pair in query_string.split("&"):
        name, sep, _ = pair.partition("=")
        parts.append(f"{name}=REDACTED" if sep else name)
    return "&".join(parts)


def credentials_in_query(names: Iterable[str]) -> list[str]:
    """The query parameter names that look like credentials (refused: a URL is logged,
    cached and shared where a header is not)."""
    return sorted({n for n in names if n.lower() in CREDENTIAL_PARAMS})
