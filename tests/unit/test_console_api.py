"""The console's JSON API over the seed story (served on a free loopback port, no broker):
the public Alert schema with named levels and ISO times, every body valid against the
OpenAPI document it serves, errors that say what is wrong, and read access when the
deployment sets credentials."""

from __future__ import annotations

import base64
import json
import re
from collections import Counter
from typing import Any

import jsonschema
import pytest
import schemathesis
from aiohttp.test_utils import TestClient
from hypothesis import HealthCheck, given, settings
from prometheus_client import CollectorRegistry
from prometheus_client.parser import text_string_to_metric_families
from schemathesis import GenerationMode
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from services.common.auth import AuthResult, check_basic
from services.common.operations import Operations
from services.console import openapi
from services.console.app import build_app
from services.console.settings import ConsoleSettings
from services.ingest.testing import serve_in_thread
from tests.console_support import IDLIB_CHILDREN, console_state, seed, serve

DOCUMENT = json.loads(openapi.COMMITTED.read_text(encoding="utf-8"))
CHECKS = [
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
]
ISO = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|\+00:00)$"


def check(body: Any, component: str) -> None:
    """``body`` against ``#/components/schemas/<component>`` of the served document."""
    schema = {"$ref": f"#/components/schemas/{component}", "components": DOCUMENT["components"]}
    jsonschema.Draft202012Validator(schema).validate(body)


async def get(client: TestClient[Any, Any], path: str, **headers: str) -> tuple[int, Any]:
    response = await client.get(path, headers=headers)
    text = await response.text()
    try:
        return response.status, json.loads(text)
    except ValueError:
        return response.status, text


async def test_alerts_list_is_the_public_alert_schema_with_named_levels_and_iso_times() -> None:
    async with serve(console_state(seed())) as client:
        status, body = await get(client, "/v1/alerts")
        assert status == 200
        check(body, "AlertList")
        assert body["count"] == 2 and body["complete"] is True
        first = body["alerts"][0]
        assert first["fingerprint"] == IDLIB_CHILDREN
        assert first["level"] == "critical" and first["status"] == "firing"
        assert first["transition"] == "updated" and first["value"] == 13
        for key in ("window_start", "window_end"):
            assert isinstance(first[key], str)
            assert re.match(ISO, first[key]), first[key]
        assert {s["source"] for i in first["evidence"] for s in i["sources"]} >= {"White Helmets"}

        status, body = await get(client, "/v1/alerts?status=all&country=syr&rule=killed_24h")
        assert status == 200 and [a["rule"] for a in body["alerts"]] == ["killed_24h"]
        status, body = await get(client, "/v1/alerts?country=IRQ")
        assert status == 200 and body["alerts"] == []
        status, body = await get(client, "/v1/alerts?status=loud")
        assert status == 400 and body["error"] == "bad_status"
        check(body, "ErrorBody")


async def test_one_alert_its_transitions_and_its_window_series() -> None:
    async with serve(console_state(seed())) as client:
        status, body = await get(client, f"/v1/alerts/{IDLIB_CHILDREN}")
        assert status == 200
        check(body, "Alert")
        assert body["seq"] == 2 and body["level"] == "critical"

        status, body = await get(client, f"/v1/alerts/{IDLIB_CHILDREN}/transitions")
        assert status == 200
        check(body, "TransitionList")
        assert [t["transition"] for t in body["transitions"]] == ["fired", "updated"]
        assert body["omitted"] == 0

        status, body = await get(client, f"/v1/alerts/{IDLIB_CHILDREN}/series?days=3")
        assert status == 200
        check(body, "WindowSeries")
        assert [lv["name"] for lv in body["levels"]] == ["warning", "critical"]
        assert max(p["value"] for p in body["points"]) == 13
        assert body["clock"].startswith("2024-12-01T17:00:00")

        status, body = await get(client, f"/v1/alerts/{IDLIB_CHILDREN}/series?days=0")
        assert status == 400 and body["error"] == "bad_days"
        status, body = await get(client, "/v1/alerts/nope:0")
        assert status == 404 and body["error"] == "not_found"
        check(body, "ErrorBody")
        status, page = await get(client, "/alerts/nope:0")
        assert status == 404 and "No such alert" in page


async def test_overview_has_firing_by_level_windows_clocks_and_dead_letters() -> None:
    seeded = seed()
    seeded.deadletters.apply(b"not json at all")
    async with serve(console_state(seeded)) as client:
        status, body = await get(client, "/v1/overview?country=SYR")
        assert status == 200
        check(body, "Overview")
        assert body["firing"] == {"critical": 1, "warning": 1}
        (syr,) = body["countries"]
        assert syr["country"] == "SYR" and syr["clock"].startswith("2024-12-01T17:00")
        cells = {(w["group_key"], w["rule"]): w for w in syr["windows"]}
        assert cells[("SYR/Idlib", "children_killed_24h")]["value"] == 13
        assert cells[("SYR/Idlib", "children_killed_24h")]["level"] == "critical"
        assert cells[("SYR/Aleppo", "killed_24h")]["level"] is None
        assert body["deadletters_total"] == 1


async def test_served_document_is_the_committed_one_and_names_every_route() -> None:
    state = console_state(seed())
    async with serve(state) as client:
        status, body = await get(client, "/openapi.json")
        assert status == 200 and body == DOCUMENT
        routes = {
            r.resource.canonical
            for r in client.app.router.routes()
            if r.resource is not None and r.method == "GET"
        }
    assert routes <= set(DOCUMENT["paths"]), routes - set(DOCUMENT["paths"])
    assert openapi.main(["--check"]) == 0


async def test_read_access_with_tokens_or_users() -> None:
    state = console_state(seed(), tokens="t0k3n", users="ana:s3cret")
    basic = "Basic " + base64.b64encode(b"ana:s3cret").decode()
    async with serve(state) as client:
        for path in ("/", f"/alerts/{IDLIB_CHILDREN}", "/v1/alerts", "/openapi.json"):
            status, body = await get(client, path)
            assert status == 401, path
            assert body["error"] == "unauthenticated"
        response = await client.get("/v1/alerts")
        assert "Basic" in response.headers["WWW-Authenticate"]
        assert "Bearer" in response.headers["WWW-Authenticate"]
        assert (await get(client, "/v1/alerts", Authorization="Bearer wrong"))[0] == 401
        assert (await get(client, "/v1/alerts", Authorization="Bearer t0k3n"))[0] == 200
        assert (await get(client, f"/alerts/{IDLIB_CHILDREN}", Authorization=basic))[0] == 200
        assert (await get(client, "/metrics"))[0] == 200  # operations stay open
    open_state = console_state(seed())
    async with serve(open_state) as client:
        assert (await get(client, "/v1/alerts"))[0] == 200


async def test_metrics_list_the_alerts_firing_for_the_dashboard() -> None:
    async with serve(console_state(seed())) as client:
        await get(client, "/v1/alerts")
        status, text = await get(client, "/metrics")
    assert status == 200
    (family,) = [
        f for f in text_string_to_metric_families(text) if f.name == "vigil_console_alert_firing"
    ]
    found = {s.labels["rule"]: (s.labels, s.value) for s in family.samples}
    labels, value = found["children_killed_24h"]
    assert value == 13.0 and labels["fingerprint"] == IDLIB_CHILDREN
    assert labels["region"] == "SYR/Idlib" and labels["country"] == "SYR"
    assert labels["level"] == "critical"
    assert found["killed_24h"][1] == 33.0 and len(found) == 2
    assert 'vigil_http_requests_total{route="/v1/alerts",status="200"} 1.0' in text


def encode(raw: bytes) -> str:
    return "Basic " + base64.b64encode(raw).decode()


def test_basic_credentials_are_checked_exactly() -> None:
    users = ConsoleSettings(users="ana:s3cret,bo:pw").users
    assert check_basic(encode(b"bo:pw"), users) is AuthResult.OK
    assert check_basic(encode(b"bo:pw2"), users) is AuthResult.WRONG
    assert check_basic("Basic !!!", users) is AuthResult.WRONG
    assert check_basic(None, users) is AuthResult.MISSING
    assert check_basic("Bearer x", users) is AuthResult.MISSING


@pytest.mark.parametrize("users", ["ana", "ana:", ":pw"])
def test_a_user_needs_a_name_and_a_password(users: str) -> None:
    with pytest.raises(ValueError, match="name:password"):
        ConsoleSettings(users=users)


def _served_app(protected: bool) -> Any:
    extra = {"tokens": "t0k3n"} if protected else {}
    state = console_state(seed(), **extra)
    registry = CollectorRegistry()
    operations = Operations("console", state.settings, registry)
    operations.probe.contact.succeeded()
    return build_app(state, operations)


@pytest.mark.parametrize(
    ("mode", "protected", "headers"),
    [
        (GenerationMode.POSITIVE, False, {}),
        (GenerationMode.NEGATIVE, False, {}),
        (GenerationMode.POSITIVE, True, {"Authorization": "Bearer t0k3n"}),
        (GenerationMode.POSITIVE, True, {}),
    ],
    ids=["positive", "negative", "token", "no-token"],
)
def test_schemathesis_against_the_served_document(
    mode: GenerationMode, protected: bool, headers: dict[str, str]
) -> None:
    """Requests generated from the served ``/openapi.json``: every answer has a documented
    status, content type and body (no 5xx)."""
    statuses: Counter[str] = Counter()
    with serve_in_thread(lambda: _served_app(protected)) as url:
        reader = {"Authorization": "Bearer t0k3n"} if protected else {}
        schema = schemathesis.openapi.from_url(f"{url}/openapi.json", headers=reader)

        @given(case=schema.as_strategy(mode, headers=headers))
        @settings(
            max_examples=40,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def run(case: Any) -> None:
            response = case.call_and_validate(base_url=url, checks=CHECKS, timeout=10)
            statuses[f"{case.method} {case.path} {response.status_code}"] += 1

        run()
    assert sum(statuses.values()) > 0
    if protected and not headers:
        assert {k.rsplit(" ", 1)[1] for k in statuses if "/v1/" in k} == {"401"}
