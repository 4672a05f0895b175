"""Bearer-token check for the ingest endpoint (constant-time against every token)."""

from __future__ import annotations

import hmac
from collections.abc import Sequence
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
