"""The OpenAPI 3.1 document of the ingest service, generated from the pydantic models.

python -m services.ingest.openapi --write   # regenerate services/ingest/openapi.json
python -m services.ingest.openapi --check   # exit 1 when the committed file drifted
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from schemas.reports import IncidentReport
from services.ingest.logic import BatchResult, ErrorBody, Unavailable

COMMITTED = Path(__file__).with_name("openapi.json")
REF = "#/components/schemas/{model}"


class Health(BaseModel):
    """``GET /healthz`` (services/common/health.py)."""

    status: Literal["ok"]
    service: str
    version: str
    uptime_seconds: float


class CheckState(BaseModel):
    ok: bool
    detail: str


class Readiness(BaseModel):
    """``GET /readyz``: every check of the service with its state."""

    status: Literal["ready", "not_ready"]
    service: str
    checks: dict[str, CheckState]


def _ref(name: str) -> dict[str, str]:
    return {"$ref": REF.format(model=name)}


def _json_response(description: str, schema: str, **extra: Any) -> dict[str, Any]:
    return {
        "description": description,
        "content": {"application/json": {"schema": _ref(schema)}},
        **extra,
    }


def _post_reports() -> dict[str, Any]:
    error = "ErrorBody"
    retry_after = {
        "Retry-After": {
            "description": "Seconds to wait before retrying.",
            "schema": {"type": "integer", "minimum": 1},
        }
    }
    return {
        "operationId": "postReports",
        "summary": "Submit one incident report or a batch of them.",
        "description": (
            "The body is one IncidentReport object or a JSON array of them (at least one). "
            "Limits (settings): body size `VIGIL_INGEST_MAX_BODY_BYTES` (default 5 MiB) and "
            "item count `VIGIL_INGEST_MAX_ITEMS` (default 1000); both answer 413. Valid "
            "reports are published to the reports topic keyed by country; the answer (202) "
            "comes only after the broker acknowledged them, and lists invalid items with "
            "per-field errors. When no item is valid the answer is 422. `report_id` is the "
            "idempotency key, so sending the same reports again after a 503 (or after "
            "any answer that did not arrive) is always safe. Credentials belong in the "
            "Authorization header: a query parameter that looks like one (token, "
            "access_token, api_key, key, auth) is refused with 400. Slow clients: a request "
            "head not complete within `VIGIL_INGEST_HEADER_TIMEOUT_SECONDS` (10) or a body "
            "not complete within `VIGIL_INGEST_BODY_TIMEOUT_SECONDS` (30) is answered 408."
        ),
        "security": [{"bearerAuth": []}],
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {
                    "schema": {
                        "oneOf": [
                            _ref("IncidentReport"),
                            {"type": "array", "minItems": 1, "items": _ref("IncidentReport")},
                        ]
                    }
                }
            },
        },
        "responses": {
            "202": _json_response(
                "Acknowledged by the broker; invalid items listed.", "BatchResult"
            ),
            "400": _json_response(
                "Malformed body: invalid UTF-8 or JSON, not an object or array, or an empty "
                "array; or credentials in the URL.",
                error,
            ),
            "401": _json_response(
                "No bearer token.",
                error,
                headers={
                    "WWW-Authenticate": {
                        "description": "Bearer challenge.",
                        "schema": {"type": "string"},
                    }
                },
            ),
            "403": _json_response("Bearer token not accepted.", error),
            "413": _json_response("Body or item count over the limit.", error),
            "408": _json_response("The request head or body was too slow to arrive.", error),
            "415": _json_response("Content-Type is not application/json (utf-8).", error),
            "422": _json_response(
                "No item is a valid report (per item, per field).", "BatchResult"
            ),
            "503": _json_response(
                "Broker unreachable (`published: none`: nothing of the request was "
                "published) or no acknowledgement in time (`published: unknown`: some or all "
                "reports may be published, also later). Send the same reports again after "
                "Retry-After: a repeated report_id changes nothing.",
                "Unavailable",
                headers=retry_after,
            ),
        },
    }


def build_document() -> dict[str, Any]:
    models: list[tuple[type[BaseModel], Any]] = [
        (IncidentReport, "validation"),
        (BatchResult, "serialization"),
        (ErrorBody, "serialization"),
        (Unavailable, "serialization"),
        (Health, "serialization"),
        (Readiness, "serialization"),
    ]
    _, defs = models_json_schema(models, ref_template=REF)
    return {
        "openapi": "3.1.0",
        "jsonSchemaDialect": "https://json-schema.org/draft/2020-12/schema",
        "info": {
            "title": "Vigil ingest",
            "version": "1.0.0",
            "description": "Authenticated HTTP entry point for structured incident reports.",
        },
        "paths": {
            "/v1/reports": {"post": _post_reports()},
            "/healthz": {
                "get": {
                    "operationId": "getHealth",
                    "summary": "Liveness (no auth).",
                    "security": [],
                    "responses": {"200": _json_response("The process is serving.", "Health")},
                }
            },
            "/readyz": {
                "get": {
                    "operationId": "getReadiness",
                    "summary": "Readiness: the broker answered the last probe (no auth).",
                    "security": [],
                    "responses": {
                        "200": _json_response("Ready to accept reports.", "Readiness"),
                        "503": _json_response("Not ready: see the failing check.", "Readiness"),
                    },
                }
            },
            "/metrics": {
                "get": {
                    "operationId": "getMetrics",
                    "summary": "Prometheus metrics (no auth).",
                    "security": [],
                    "responses": {
                        "200": {
                            "description": "Prometheus text exposition.",
                            "content": {"text/plain": {"schema": {"type": "string"}}},
                        }
                    },
                }
            },
            "/openapi.json": {
                "get": {
                    "operationId": "getOpenapi",
                    "summary": "This document (no auth).",
                    "security": [],
                    "responses": {
                        "200": {
                            "description": "OpenAPI 3.1 document.",
                            "content": {"application/json": {"schema": {"type": "object"}}},
                        }
                    },
                }
            },
        },
        "components": {
            "schemas": defs["$defs"],
            "securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer"}},
        },
    }


def render() -> str:
    return json.dumps(build_document(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    group = parser.add_mutually_exclusive_group(required=True)
    group.add_argument("--write", action="store_true", help=f"write {COMMITTED.name}")
    group.add_argument("--check", action="store_true", help="exit 1 if the file drifted")
    args = parser.parse_args(argv)
    text = render()
    if args.write:
        COMMITTED.write_text(text, encoding="utf-8")
        print(f"wrote {COMMITTED}")
        return 0
    if not COMMITTED.exists() or COMMITTED.read_text(encoding="utf-8") != text:
        print(
            f"{COMMITTED} drifted from the models: run `python -m services.ingest.openapi --write`"
        )
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
