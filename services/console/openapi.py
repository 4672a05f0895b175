"""The OpenAPI 3.1 document of the console, generated from the pydantic models.

python -m services.console.openapi --write   # regenerate services/console/openapi.json
python -m services.console.openapi --check   # exit 1 when the committed file drifted
"""

from __future__ import annotations

import json
import sys
from functools import cache
from pathlib import Path
from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from schemas.alerts import Alert
from services.common.generated import write_or_check
from services.console import api
from services.ingest.openapi import Health, Readiness

COMMITTED = Path(__file__).with_name("openapi.json")
REF = "#/components/schemas/{model}"
SECURED: list[dict[str, list[str]]] = [{"bearerAuth": []}, {"basicAuth": []}]
FINGERPRINT = {
    "name": "fingerprint",
    "in": "path",
    "required": True,
    "description": "The alert's fingerprint (rule and group), e.g. "
    "`children_killed_24h:0187a209466efc4e`.",
    "schema": {"type": "string"},
}
COUNTRY = {
    "name": "country",
    "in": "query",
    "required": False,
    "description": "Only this country (ISO 3166-1 alpha-3, e.g. SYR).",
    "schema": {"type": "string", "pattern": "^[A-Za-z]{3}$"},
}


def _ref(name: str) -> dict[str, str]:
    return {"$ref": REF.format(model=name)}


def _json(description: str, schema: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": _ref(schema)}}}


def _html(description: str) -> dict[str, Any]:
    return {"description": description, "content": {"text/html": {"schema": {"type": "string"}}}}


UNAUTHENTICATED = _json(
    "Credentials needed: the deployment set VIGIL_CONSOLE_TOKENS (Bearer) or "
    "VIGIL_CONSOLE_USERS (Basic); `WWW-Authenticate` names the schemes.",
    "ErrorBody",
)
NOT_FOUND = _json("No alert with this fingerprint on the alerts topic.", "ErrorBody")


def _get(
    operation: str,
    summary: str,
    description: str,
    responses: dict[str, Any],
    parameters: list[dict[str, Any]] | None = None,
    secured: bool = True,
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "operationId": operation,
        "summary": summary,
        "description": description,
        "security": SECURED if secured else [],
        "responses": {**responses, **({"401": UNAUTHENTICATED} if secured else {})},
    }
    if parameters:
        body["parameters"] = parameters
    return {"get": body}


def _paths() -> dict[str, Any]:
    return {
        "/v1/alerts": _get(
            "listAlerts",
            "The latest transition of each alert (firing ones by default).",
            "Each item is the public Alert record of `vigil.alerts.v2` (named levels, ISO "
            "times, evidence): the latest transition of its alert. Sorted firing first, the "
            "most severe level first, then by region and rule. `complete` is false while the "
            "console still reads the topics after a start.",
            {
                "200": _json("The alerts.", "AlertList"),
                "400": _json("A query parameter out of range.", "ErrorBody"),
            },
            [
                {
                    "name": "status",
                    "in": "query",
                    "required": False,
                    "description": "firing (default), resolved or all.",
                    "schema": {"type": "string", "enum": list(api.STATUSES)},
                },
                COUNTRY,
                {
                    "name": "rule",
                    "in": "query",
                    "required": False,
                    "description": "Only this rule.",
                    "schema": {"type": "string"},
                },
            ],
        ),
        "/v1/alerts/{fingerprint}": _get(
            "getAlert",
            "An alert's latest transition (the public Alert schema).",
            "What the alert's page shows at its top: state, level, value, period, "
            "verification and evidence.",
            {"200": _json("The latest transition.", "Alert"), "404": NOT_FOUND},
            [FINGERPRINT],
        ),
        "/v1/alerts/{fingerprint}/transitions": _get(
            "getAlertTransitions",
            "Every transition of an alert the console keeps, oldest first.",
            "At most `VIGIL_CONSOLE_HISTORY_LIMIT` (200) of the newest; `omitted` counts "
            "the older ones.",
            {"200": _json("The transitions.", "TransitionList"), "404": NOT_FOUND},
            [FINGERPRINT],
        ),
        "/v1/alerts/{fingerprint}/series": _get(
            "getAlertSeries",
            "The rule's window value for the alert's group over the last days (event time).",
            "A step function: each point's value holds until the next point. Computed from "
            "the aggregator's state as its changelogs hold it now.",
            {
                "200": _json("The series and the rule's levels.", "WindowSeries"),
                "400": _json("`days` out of range.", "ErrorBody"),
                "404": _json(
                    "No such alert, or no aggregator state for its country or rule.",
                    "ErrorBody",
                ),
            },
            [
                FINGERPRINT,
                {
                    "name": "days",
                    "in": "query",
                    "required": False,
                    "description": "Days of event time, 1-400 (default "
                    "VIGIL_CONSOLE_CHART_DAYS, 7).",
                    "schema": {"type": "integer", "minimum": 1, "maximum": 400},
                },
            ],
        ),
        "/v1/overview": _get(
            "getOverview",
            "What the console page shows, as data.",
            "Alerts firing per level, every region's window value per rule at its "
            "country's clock, the clocks, and dead-letter counts.",
            {"200": _json("The overview.", "Overview")},
            [COUNTRY],
        ),
        "/": _get(
            "getConsolePage",
            "The console page (HTML).",
            "What is firing now by level and region, window values, clocks, dead letters.",
            {"200": _html("The page.")},
            [COUNTRY],
        ),
        "/alerts/{fingerprint}": _get(
            "getAlertPage",
            "An alert's page (HTML): the link in every channel's message.",
            "State and transitions, the window value chart with the level lines, the "
            "evidence with every source and the reports' text.",
            {"200": _html("The page."), "404": _html("No such alert.")},
            [FINGERPRINT],
        ),
        "/healthz": _get(
            "getHealth",
            "Liveness (no auth).",
            "Always 200 while the process serves.",
            {"200": _json("The process is serving.", "Health")},
            secured=False,
        ),
        "/readyz": _get(
            "getReadiness",
            "Readiness (no auth): the broker answers and the topics were read to their end.",
            "Checks `broker` and `replica`.",
            {
                "200": _json("Ready.", "Readiness"),
                "503": _json("Not ready: see the failing check.", "Readiness"),
            },
            secured=False,
        ),
        "/metrics": _get(
            "getMetrics",
            "Prometheus metrics (no auth).",
            "Text exposition format.",
            {
                "200": {
                    "description": "Prometheus text exposition.",
                    "content": {"text/plain": {"schema": {"type": "string"}}},
                }
            },
            secured=False,
        ),
        "/openapi.json": _get(
            "getOpenapi",
            "This document.",
            "The OpenAPI 3.1 document of the console.",
            {
                "200": {
                    "description": "OpenAPI 3.1 document.",
                    "content": {"application/json": {"schema": {"type": "object"}}},
                }
            },
        ),
    }


def build_document() -> dict[str, Any]:
    models: list[tuple[type[BaseModel], Any]] = [
        (Alert, "serialization"),
        (api.AlertList, "serialization"),
        (api.TransitionList, "serialization"),
        (api.WindowSeries, "serialization"),
        (api.Overview, "serialization"),
        (api.ErrorBody, "serialization"),
        (Health, "serialization"),
        (Readiness, "serialization"),
    ]
    _, defs = models_json_schema(models, ref_template=REF)
    return {
        "openapi": "3.1.0",
        "jsonSchemaDialect": "https://json-schema.org/draft/2020-12/schema",
        "info": {
            "title": "Vigil console",
            "version": "1.0.0",
            "description": "Read-only pages and JSON API over Vigil's alerts: each alert's "
            "latest transition and history in the public Alert schema (`vigil.alerts.v2`), "
            "its window values, and an overview. Credentials are needed only where the "
            "deployment set VIGIL_CONSOLE_TOKENS or VIGIL_CONSOLE_USERS.",
        },
        "paths": _paths(),
        "components": {
            "schemas": defs["$defs"],
            "securitySchemes": {
                "bearerAuth": {"type": "http", "scheme": "bearer"},
                "basicAuth": {"type": "http", "scheme": "basic"},
            },
        },
    }


@cache
def render() -> str:
    return json.dumps(build_document(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def main(argv: list[str] | None = None) -> int:
    return write_or_check(
        argv,
        __doc__,
        {COMMITTED: render},
        "make openapi",
    )


if __name__ == "__main__":
    sys.exit(main())
