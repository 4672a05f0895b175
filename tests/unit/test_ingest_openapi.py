"""The committed OpenAPI document, and schemathesis against the served one.

Schemathesis generates requests from ``/openapi.json`` as served by a live app (fake
producer, 127.0.0.1, free port) and checks every response: no 5xx, status codes, content
types, headers and bodies as documented.
"""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from prometheus_client import CollectorRegistry
from pydantic import SecretStr
from schemathesis import GenerationMode
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from services.common.operations import Operations
from services.ingest.app import build_app
from services.ingest.metrics import IngestMetrics
from services.ingest.openapi import COMMITTED, build_document, main
from services.ingest.settings import IngestSettings
from services.ingest.testing import FakeProducer, FuzzTally, serve_in_thread

TOKEN = "schemathesis-token"
CHECKS = [
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
]
MAX_EXAMPLES = 50


def test_committed_document_matches_models() -> None:
    committed = json.loads(COMMITTED.read_text(encoding="utf-8"))
    assert committed == build_document(), (
        "services/ingest/openapi.json drifted: run `python -m services.ingest.openapi --write`"
    )
    assert main(["--check"]) == 0


def test_document_is_openapi_31_with_components() -> None:
    document = build_document()
    assert document["openapi"] == "3.1.0"
    assert "$defs" not in json.dumps(document)
    schemas = document["components"]["schemas"]
    assert {"IncidentReport", "Figure", "Location", "BatchResult", "ErrorBody"} <= set(schemas)
    responses = document["paths"]["/v1/reports"]["post"]["responses"]
    assert set(responses) == {"202", "400", "401", "403", "408", "413", "415", "422", "503"}


def _app() -> Any:
    tokens = [SecretStr(TOKEN)]
    settings = IngestSettings(tokens=tokens, max_body_bytes=200_000, publish_timeout_seconds=1)
    registry = CollectorRegistry()
    operations = Operations("ingest", settings, registry)
    operations.probe.contact.succeeded()  # the fake producer's broker is always there
    return build_app(settings, FakeProducer(), IngestMetrics(registry), operations)


@pytest.mark.parametrize(
    ("mode", "headers"),
    [
        (GenerationMode.POSITIVE, {"Authorization": f"Bearer {TOKEN}"}),
        (GenerationMode.NEGATIVE, {"Authorization": f"Bearer {TOKEN}"}),
        (GenerationMode.POSITIVE, {}),
    ],
    ids=["positive", "negative", "no-token"],
)
def test_schemathesis_against_served_document(
    mode: GenerationMode, headers: dict[str, str], request: pytest.FixtureRequest
) -> None:
    tally = FuzzTally.of(request.config)
    statuses: Counter[str] = Counter()
    with serve_in_thread(_app) as url:
        schema = schemathesis.openapi.from_url(f"{url}/openapi.json")

        @given(case=schema.as_strategy(mode, headers=headers))
        @settings(
            max_examples=MAX_EXAMPLES,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def run(case: Any) -> None:
            response = case.call_and_validate(base_url=url, checks=CHECKS, timeout=10)
            statuses[f"{case.method} {case.path} {response.status_code}"] += 1
            tally.add(f"schemathesis {request.node.callspec.id}", str(response.status_code))

        run()
    assert sum(statuses.values()) > 0
