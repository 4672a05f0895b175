"""Credentials checked in constant time: bearer tokens (API clients) and HTTP Basic
(people in a browser). Used by ingest (bearer) and the console (either)."""

from __future__ import annotations

import base64
import binascii
import hmac
from collections.abc import Sequence
from enum import Enum

from pydantic import SecretStr


class AuthResult(Enum):
    OK = "ok"
    MISSING = "missing"
    """No credentials of the scheme asked for: 401."""
    WRONG = "wrong"
    """Credentials that are not configured: 403 (bearer) or 401 again (Basic)."""


def _bytes(text: str) -> bytes:
    # compare_digest on str raises for non-ASCII; bytes compare any header a client sends.
    return text.encode("utf-8", errors="surrogateescape")


def _any_equal(candidate: bytes, secrets: Sequence[SecretStr]) -> bool:
    matched = False
    # Compare against every secret, never stopping early, so timing reveals nothing.
    for secret in secrets:
        matched |= hmac.compare_digest(candidate, _bytes(secret.get_secret_value()))
    return matched


def _credentials(header: str | None, scheme: str) -> str | None:
    if not header:
        return None
    given, _, value = header.strip().partition(" ")
    value = value.strip()
    if given.lower() != scheme or not value:
        return None
    return value


def check_bearer(header: str | None, tokens: Sequence[SecretStr]) -> AuthResult:
    """``Authorization: Bearer <token>`` against ``tokens``."""
    presented = _credentials(header, "bearer")
    if presented is None:
        return AuthResult.MISSING
    return AuthResult.OK if _any_equal(_bytes(presented), tokens) else AuthResult.WRONG


def check_basic(header: str | None, users: Sequence[SecretStr]) -> AuthResult:
    """``Authorization: Basic base64(user:password)`` against ``users`` (each
    ``user:password``)."""
    encoded = _credentials(header, "basic")
    if encoded is None:
        return AuthResult.MISSING
    try:
        decoded = base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError):
        return AuthResult.WRONG
    return AuthResult.OK if _any_equal(decoded, users) else AuthResult.WRONG
