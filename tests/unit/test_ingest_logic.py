"""Pure rules of the ingest endpoint: parsing, per-item per-field validation, auth, settings."""

from __future__ import annotations

import hmac
import json

import pytest
from pydantic import SecretStr, ValidationError

from services.common.errors import RejectedInput
from services.ingest.auth import AuthResult, check_bearer
from services.ingest.logic import parse_body, validate_items
from services.ingest.settings import IngestSettings
from services.ingest.testing import sample_report


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (b"\xff\xfe{}", "not valid UTF-8"),
        (b"{", "not valid JSON"),
        (b"", "not valid JSON"),
        (b'{"a": NaN}', "not valid JSON"),
        (b"42", "JSON int"),
        (b'"report"', "JSON str"),
        (b"null", "JSON NoneType"),
        (b"[]", "empty"),
        (b"[" * 100_000 + b"]" * 100_000, "recursion limit"),
    ],
)
def test_parse_body_rejects_with_reason(raw: bytes, reason: str) -> None:
    with pytest.raises(RejectedInput) as info:
        parse_body(raw, max_items=10)
    assert info.value.kind == "decode"
    assert reason in info.value.reason


def test_parse_body_object_and_array() -> None:
    one = sample_report()
    assert parse_body(json.dumps(one).encode(), 10) == [one]
    assert parse_body(json.dumps([one, 5]).encode(), 10) == [one, 5]


def test_parse_body_counts_items() -> None:
    with pytest.raises(RejectedInput) as info:
        parse_body(b"[1,2,3]", max_items=2)
    assert info.value.kind == "too_many"
    assert "limit is 2" in info.value.reason


def test_validate_items_lists_every_field_of_every_item() -> None:
    bad_figure = sample_report("r-2", casualties={"killed": {"qualifier": "exact", "value": -3}})
    outcome = validate_items(
        [sample_report("r-1"), bad_figure, "text", {"report_id": "r-4", "location": {}}]
    )
    assert [r.report_id for r in outcome.valid] == ["r-1"]
    by_index = {r.index: r for r in outcome.rejected}
    assert sorted(by_index) == [1, 2, 3]
    assert by_index[1].report_id == "r-2"
    assert [e.field for e in by_index[1].errors] == ["casualties.killed.value"]
    assert "greater than or equal to 0" in by_index[1].errors[0].message
    assert by_index[2].report_id is None and "got a JSON str" in by_index[2].errors[0].message
    fields = {e.field for e in by_index[3].errors}
    assert {"incident_id", "source", "reported_at", "location.country"} <= fields


def test_validate_items_model_rule_has_empty_field() -> None:
    future = sample_report(occurred_at="2030-01-01T00:00:00Z")
    (rejected,) = validate_items([future]).rejected
    assert rejected.errors[0].field == ""
    assert "cannot describe the future" in rejected.errors[0].message


def test_validate_items_caps_error_list() -> None:
    garbage = {f"x{i}": i for i in range(100)}
    (rejected,) = validate_items([garbage]).rejected
    assert len(rejected.errors) == 21
    assert rejected.errors[-1].message.startswith("... and ")


TOKENS = [SecretStr("alpha"), SecretStr("béta")]


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (None, AuthResult.MISSING),
        ("", AuthResult.MISSING),
        ("Basic YWxwaGE=", AuthResult.MISSING),
        ("Bearer ", AuthResult.MISSING),
        ("Bearer alpha", AuthResult.OK),
        ("bearer béta", AuthResult.OK),
        ("Bearer alph", AuthResult.WRONG),
        ("Bearer alphaa", AuthResult.WRONG),
        ("Bearer ünïcode", AuthResult.WRONG),
    ],
)
def test_check_bearer(header: str | None, expected: AuthResult) -> None:
    assert check_bearer(header, TOKENS) is expected


def test_check_bearer_compares_every_token_in_constant_time(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    calls: list[tuple[bytes, bytes]] = []
    real = hmac.compare_digest

    def spy(a: bytes, b: bytes) -> bool:
        calls.append((a, b))
        return real(a, b)

    monkeypatch.setattr(hmac, "compare_digest", spy)
    # A match on the first token still compares against the others (no early exit).
    assert check_bearer("Bearer alpha", TOKENS) is AuthResult.OK
    assert calls == [(b"alpha", b"alpha"), (b"alpha", "béta".encode())]


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ("a,b", ["a", "b"]),
        (" a , b ,", ["a", "b"]),
        ('["a", "b,c"]', ["a", "b,c"]),
        ("", []),
    ],
)
def test_settings_tokens_from_env(
    monkeypatch: pytest.MonkeyPatch, env: str, expected: list[str]
) -> None:
    monkeypatch.setenv("VIGIL_INGEST_TOKENS", env)
    settings = IngestSettings()
    assert [t.get_secret_value() for t in settings.tokens] == expected
    assert all("*" in repr(t) for t in settings.tokens)


def test_settings_shared_and_own_prefix(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VIGIL_HTTP_PORT", "8080")
    monkeypatch.setenv("VIGIL_KAFKA_BOOTSTRAP", "shared:9092")
    monkeypatch.setenv("VIGIL_INGEST_KAFKA_BOOTSTRAP", "own:9092")
    monkeypatch.setenv("VIGIL_INGEST_MAX_ITEMS", "7")
    settings = IngestSettings()
    assert (settings.http_port, settings.kafka_bootstrap, settings.max_items) == (
        8080,
        "own:9092",
        7,
    )
    assert settings.max_body_bytes == 5 * 1024 * 1024
    assert settings.publish_timeout_seconds == 10


def test_settings_reject_blank_token() -> None:
    with pytest.raises(ValidationError):
        IngestSettings(tokens=[SecretStr("")])
