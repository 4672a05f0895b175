"""Bearer-token check for the ingest endpoint (constant-time against every token)."""

from __future__ import annotations

import hmac
from collections.abc import Iterable, Sequence
from enum import Enum

from pydantic import SecretStr


class AuthResult(Enum):
    OK = "ok"
    MISSING = "missing"
    """No ``Authorization: Bearer <token>`` header: 401."""
    WRONG = "wrong"
    """A bearer token that is not configured: 403."""


def _bytes(text: str) -> bytes:
    # compare_digest on str raises for non-ASCII; bytes compare any header a client sends.
    return text.encode("utf-8", errors="surrogateescape")


def check_bearer(header: str | None, tokens: Sequence[SecretStr]) -> AuthResult:
    if not header:
        return AuthResult.MISSING
    scheme, _, presented = header.strip().partition(" ")
    presented = presented.strip()
    if scheme.lower() != "bearer" or not presented:
        return AuthResult.MISSING
    candidate = _bytes(presented)
    matched = False
    # Compare against every token, never stopping early, so timing reveals nothing.
    for token in tokens:
        matched |= hmac.compare_digest(candidate, _bytes(token.get_secret_value()))
    return AuthResult.OK if matched else AuthResult.WRONG


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
