"""Property-based fuzzing of ``POST /v1/reports`` over real HTTP (fake producer).

Every request must be answered, quickly, with 202, 400, 413 or 422 and a documented JSON
body, and every item of a parsed batch must be accounted for: listed as accepted (and
published) or rejected with per-field reasons. No 5xx, no hang, no crash. The generators
are those of ``test_codec_fuzz.py`` plus batches and bodies over the 5 MiB limit.
"""

from __future__ import annotations

import http.client
import json
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest
from hypothesis import given
from hypothesis import strategies as st
from prometheus_client import CollectorRegistry
from pydantic import SecretStr

from services.ingest.app import build_app
from services.ingest.logic import BatchResult, ErrorBody
from services.ingest.metrics import IngestMetrics
from services.ingest.settings import IngestSettings
from services.ingest.testing import FakeProducer, FuzzTally, sample_report, serve_in_thread
from tests.unit.test_codec_fuzz import (
    FUZZ,
    big_bodies,
    bodies,
    dump,
    json_values,
    mutated_reports,
)

TOKEN = "fuzz-token"
REQUEST_TIMEOUT = 30.0
MIB = 1024 * 1024


class Live:
    def __init__(self, url: str, producer: FakeProducer) -> None:
        parts = urlsplit(url)
        self.host, self.port = parts.hostname or "127.0.0.1", parts.port or 80
        self.producer = producer

    def post(self, body: bytes, headers: dict[str, str]) -> tuple[int, dict[str, str], bytes]:
        conn = http.client.HTTPConnection(self.host, self.port, timeout=REQUEST_TIMEOUT)
        try:
            conn.request("POST", "/v1/reports", body=body, headers=headers)
            response = conn.getresponse()
            return response.status, dict(response.getheaders()), response.read()
        finally:
            conn.close()


@pytest.fixture(scope="module")
def live() -> Iterator[Live]:
    producer = FakeProducer()
    settings = IngestSettings(tokens=[SecretStr(TOKEN)], publish_timeout_seconds=5)

    def make() -> Any:
        return build_app(settings, producer, IngestMetrics(CollectorRegistry()))

    with serve_in_thread(make) as url:
        yield Live(url, producer)


@pytest.fixture
def tally(request: pytest.FixtureRequest) -> FuzzTally:
    return FuzzTally.of(request.config)


batches = st.lists(st.one_of(mutated_reports(), json_values), min_size=1, max_size=20).map(dump)
endpoint_bodies = st.one_of(bodies, batches, big_bodies(max_bytes=6 * MIB))
HEADERS = {"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"}


def _items_in(body: bytes) -> int:
    value = json.loads(body)
    return len(value) if isinstance(value, list) else 1


def test_endpoint_answers_every_body(live: Live, tally: FuzzTally) -> None:
    @FUZZ
    @given(body=endpoint_bodies)
    def run(body: bytes) -> None:
        sent_before = len(live.producer.sent)
        status, headers, raw = live.post(body, HEADERS)
        assert status in (202, 400, 413, 422), (status, raw[:500])
        assert headers["Content-Type"].startswith("application/json")
        if status in (202, 422):
            result = BatchResult.model_validate_json(raw)
            assert len(result.accepted) + len(result.rejected) == _items_in(body)
            assert all(r.errors for r in result.rejected)
            assert bool(result.accepted) == (status == 202)
            assert len(live.producer.sent) - sent_before == len(result.accepted)
        else:
            assert ErrorBody.model_validate_json(raw).message
            assert len(live.producer.sent) == sent_before
        tally.add("POST /v1/reports body", str(status))

    run()


header_text = st.text(
    st.characters(min_codepoint=0x20, max_codepoint=0xFF, exclude_characters="\x7f"), max_size=60
)


def test_endpoint_answers_every_header(live: Live, tally: FuzzTally) -> None:
    body = dump(sample_report())

    @FUZZ
    @given(
        auth=st.one_of(
            st.none(),
            header_text,
            header_text.map(lambda t: f"Bearer {t}"),
            st.just(f"Bearer {TOKEN}"),
        ),
        content_type=st.one_of(
            st.none(),
            header_text,
            st.sampled_from(
                [
                    "application/json",
                    "application/json; charset=utf-8",
                    "application/json; charset=latin-1",
                    "text/json",
                    ";0*",  # the stdlib's header parser raised IndexError on it (a 500)
                ]
            ),
        ),
    )
    def run(auth: str | None, content_type: str | None) -> None:
        headers = {}
        if auth is not None:
            headers["Authorization"] = auth
        if content_type is not None:
            headers["Content-Type"] = content_type
        status, _, raw = live.post(body, headers)
        assert status in (202, 401, 403, 415), (status, raw[:300])
        if status == 202:
            assert auth is not None and auth.strip() == f"Bearer {TOKEN}"
        tally.add("POST /v1/reports headers", str(status))

    run()
