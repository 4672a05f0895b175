"""The Grafana dashboards of ``deploy/grafana/dashboards/``, generated from this code
(never edit the JSON by hand: change this file and run ``make dashboards``).

python -m deploy.grafana.dashboards --write   # regenerate the JSON files
python -m deploy.grafana.dashboards --check   # exit 1 when a committed file drifted

"Vigil overview" has four variables: ``datasource`` (any Prometheus data source: every
query uses ``${datasource}``), ``rule`` and ``region`` (the rules and groups of
``vigil_window_value``), ``measure``, and ``console_url`` (where the console's alert pages
are, for the firing table's links). Panels are laid out row by row, left to right.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

from services.common.generated import write_or_check

FOLDER = Path(__file__).with_name("dashboards")
DATASOURCE = {"type": "prometheus", "uid": "${datasource}"}
GRID_WIDTH = 24
CONSOLE_URL = "http://127.0.0.1:8006"
"""The console's URL in docker-compose.yml (the ``console_url`` variable's default)."""

Json = dict[str, Any]


def target(expr: str, legend: str = "", ref: str = "A", table: bool = False) -> Json:
    out: Json = {"datasource": DATASOURCE, "expr": expr, "legendFormat": legend, "refId": ref}
    if table:
        out |= {"format": "table", "instant": True}
    return out


def targets(*queries: tuple[str, str]) -> list[Json]:
    return [target(expr, legend, chr(ord("A") + i)) for i, (expr, legend) in enumerate(queries)]


def thresholds(*steps: tuple[str, float | None]) -> Json:
    return {"mode": "absolute", "steps": [{"color": c, "value": v} for c, v in steps]}


@dataclass
class Panel:
    kind: str
    title: str
    queries: list[Json]
    width: int = 12
    height: int = 8
    description: str = ""
    field_config: Json = field(default_factory=dict)
    options: Json = field(default_factory=dict)
    extra: Json = field(default_factory=dict)
    overrides: list[Json] = field(default_factory=list)

    def render(self, ident: int, x: int, y: int) -> Json:
        return {
            "id": ident,
            "type": self.kind,
            "title": self.title,
            "description": self.description,
            "datasource": DATASOURCE,
            "gridPos": {"x": x, "y": y, "w": self.width, "h": self.height},
            "targets": self.queries,
            "fieldConfig": {"defaults": self.field_config, "overrides": self.overrides},
            "options": self.options,
            **self.extra,
        }


def stat(title: str, expr: str, legend: str, description: str = "", **config: Any) -> Panel:
    return Panel(
        "stat",
        title,
        [target(expr, legend)],
        width=config.pop("width", 4),
        height=4,
        description=description,
        field_config={"unit": "short", **config},
        options={
            "reduceOptions": {"calcs": ["lastNotNull"], "fields": "", "values": False},
            "colorMode": "background",
            "graphMode": "none",
            "textMode": "value_and_name",
        },
    )


def series(
    title: str,
    queries: list[Json],
    unit: str = "short",
    description: str = "",
    stacked: bool = False,
    bars: bool = False,
    width: int = 12,
    height: int = 8,
) -> Panel:
    style: Json = (
        {"drawStyle": "bars", "fillOpacity": 80}
        if bars
        else {"drawStyle": "line", "fillOpacity": 10, "lineWidth": 1}
    )
    style["stacking"] = {"mode": "normal" if stacked else "none", "group": "A"}
    return Panel(
        "timeseries",
        title,
        queries,
        width=width,
        height=height,
        description=description,
        field_config={"unit": unit, "custom": style},
        options={
            "legend": {
                "displayMode": "table",
                "placement": "bottom",
                "calcs": ["lastNotNull", "max"],
            },
            "tooltip": {"mode": "multi", "sort": "desc"},
        },
    )


def rate(metric: str, by: str) -> str:
    return f"sum by ({by}) (rate({metric}[$__rate_interval]))"


# -- the analyst's row -------------------------------------------------------------------

WINDOW = 'vigil_window_value{rule=~"$rule", group=~"$region", measure=~"$measure"}'
FIRING = 'vigil_console_alert_firing{rule=~"$rule", region=~"$region"}'


PAGE_URL = "${console_url}/alerts/${__value.raw}"


def link(column: str, title: str, url: str) -> Json:
    """A field override: the cells of ``column`` link to ``url``."""
    return {
        "matcher": {"id": "byName", "options": column},
        "properties": [{"id": "links", "value": [{"title": title, "url": url}]}],
    }


def firing_table() -> Panel:
    return Panel(
        "table",
        "Firing alerts",
        [
            target(
                f"max by (level, country, region, rule, fingerprint) ({FIRING})",
                "{{fingerprint}}",
                table=True,
            )
        ],
        width=14,
        height=9,
        description="Every alert firing now (the console's vigil_console_alert_firing), with "
        "the window total it announced; the fingerprint links to the alert's page.",
        options={"showHeader": True, "sortBy": [{"displayName": "Level", "desc": False}]},
        extra={
            "transformations": [
                {
                    "id": "organize",
                    "options": {
                        "excludeByName": {"Time": True},
                        "indexByName": {
                            "level": 0,
                            "region": 1,
                            "rule": 2,
                            "Value": 3,
                            "country": 4,
                            "fingerprint": 5,
                        },
                        "renameByName": {
                            "level": "Level",
                            "region": "Region",
                            "rule": "Rule",
                            "Value": "Window total",
                            "country": "Country",
                            "fingerprint": "Alert page",
                        },
                    },
                }
            ]
        },
        field_config={"custom": {"align": "auto"}},
        overrides=[link("Alert page", "Open the alert's page", PAGE_URL)],
    )


def window_now() -> Panel:
    return Panel(
        "bargauge",
        "Window values per region now",
        [target(f"max by (group, rule) ({WINDOW})", "{{group}} · {{rule}}")],
        width=10,
        height=9,
        description="Each region's rolling-window total per rule, as the alert rules compare "
        "it with their thresholds (the aggregator's vigil_window_value).",
        field_config={"unit": "short", "min": 0},
        options={
            "orientation": "horizontal",
            "displayMode": "basic",
            "showUnfilled": True,
            "reduceOptions": {"calcs": ["lastNotNull"], "fields": "", "values": False},
        },
    )


# -- the dashboard -------------------------------------------------------------------------


def overview_rows() -> list[tuple[str, list[Panel]]]:
    return [
        (
            "At a glance",
            [
                stat(
                    "Services up",
                    'up{app="vigil"}',
                    "{{job}}",
                    "1 when Prometheus can scrape the service.",
                    width=8,
                    thresholds=thresholds(("red", None), ("green", 1)),
                    mappings=[
                        {"type": "value", "options": {"0": {"text": "DOWN"}, "1": {"text": "UP"}}}
                    ],
                ),
                stat(
                    "Critical alerts firing",
                    'sum(vigil_alerts_firing{level="critical"}) or vector(0)',
                    "critical",
                    "Groups (regions) currently over a critical threshold.",
                    thresholds=thresholds(("green", None), ("red", 1)),
                ),
                stat(
                    "Warning alerts firing",
                    'sum(vigil_alerts_firing{level!="critical"}) or vector(0)',
                    "other levels",
                    thresholds=thresholds(("green", None), ("orange", 1)),
                ),
                stat(
                    "Notifications pending",
                    "sum(vigil_notifications_pending) or vector(0)",
                    "pending",
                    "Alerts waiting for a channel to come back.",
                    thresholds=thresholds(("green", None), ("orange", 1)),
                ),
                stat(
                    "Event-time lag",
                    "time() - max(vigil_watermark_timestamp_seconds)",
                    "lag",
                    "Wall clock minus the aggregator's event-time clock. Large while history "
                    "is replayed.",
                    unit="s",
                ),
            ],
        ),
        ("What is firing ($rule, $region)", [firing_table(), window_now()]),
        (
            "Pipeline",
            [
                series(
                    "Reports consumed by outcome",
                    targets(
                        (
                            rate("vigil_reports_consumed_total", "job, outcome"),
                            "{{job}} {{outcome}}",
                        )
                    ),
                    "reqps",
                    "Reports decoded per second, valid (ok) or rejected (invalid).",
                ),
                series(
                    "Dead letters",
                    targets(
                        (
                            rate("vigil_deadletters_total", "job, error_type"),
                            "{{job}} {{error_type}}",
                        )
                    ),
                    "reqps",
                    "Records sent to the dead-letter topic, with the kind of error.",
                    stacked=True,
                ),
                series(
                    "Ingest HTTP",
                    targets(
                        (rate("vigil_reports_received_total", "outcome"), "reports {{outcome}}"),
                        (
                            rate("vigil_http_requests_total", "job, route, status"),
                            "{{job}} {{route}} {{status}}",
                        ),
                    ),
                    "reqps",
                    "Reports received on the ingest API, and requests by service, route and "
                    "status (ingest and console).",
                ),
                series(
                    "Reports ignored",
                    targets((rate("vigil_reports_ignored_total", "reason"), "{{reason}}")),
                    "reqps",
                    "Duplicates, superseded revisions and reports too late for any window: "
                    "counted, not added.",
                    stacked=True,
                ),
                series(
                    "Processing latency p50 / p99",
                    targets(
                        (
                            "histogram_quantile(0.5, sum by (job, le) "
                            "(rate(vigil_processing_latency_seconds_bucket[$__rate_interval])))",
                            "p50 {{job}}",
                        ),
                        (
                            "histogram_quantile(0.99, sum by (job, le) "
                            "(rate(vigil_processing_latency_seconds_bucket[$__rate_interval])))",
                            "p99 {{job}}",
                        ),
                        (
                            "histogram_quantile(0.99, sum by (job, le) "
                            "(rate(vigil_http_request_duration_seconds_bucket[$__rate_interval])))",
                            "p99 HTTP {{job}}",
                        ),
                    ),
                    "s",
                ),
                series(
                    "Event-time lag",
                    targets(("time() - vigil_watermark_timestamp_seconds", "{{country}}")),
                    "s",
                    "How far the aggregator's event-time clock is behind the wall clock.",
                ),
                series(
                    "Consumer lag",
                    targets(
                        (
                            "max by (job, topic, partition) (vigil_consumer_lag)",
                            "{{job}} {{topic}}[{{partition}}]",
                        )
                    ),
                    description="Records of each input partition not yet committed by its "
                    "service's consumer group (log end offset - committed offset). On the "
                    "embedded Tansu broker it can read low by up to one record batch while a "
                    "worker is not fetching.",
                    width=16,
                ),
                Panel(
                    "table",
                    "Running versions",
                    [
                        target(
                            "max by (job, instance, version, faust, aiokafka, pydantic, python) "
                            "(vigil_build_info)",
                            "{{job}}",
                            table=True,
                        )
                    ],
                    width=8,
                    description="Vigil and library versions of every scraped process "
                    "(vigil_build_info).",
                    options={"showHeader": True},
                    extra={
                        "transformations": [
                            {
                                "id": "organize",
                                "options": {"excludeByName": {"Time": True, "Value": True}},
                            }
                        ]
                    },
                ),
            ],
        ),
        (
            "Incidents and alerts",
            [
                series(
                    "Incidents by severity",
                    targets((rate("vigil_incidents_classified_total", "severity"), "{{severity}}")),
                    "reqps",
                    stacked=True,
                ),
                series(
                    "Unknown regions (top 10 countries, 1 h)",
                    targets(
                        (
                            "topk(10, sum by (country) "
                            "(increase(vigil_unknown_regions_total[1h])))",
                            "{{country}}",
                        )
                    ),
                    description="Reports whose region the gazetteer could not normalise: add "
                    "the spelling to the gazetteer.",
                ),
                series(
                    "Rolling-window value per region",
                    targets((WINDOW, "{{group}} {{measure}} ({{rule}})")),
                    description="Rolling-window total per region over time, the number the "
                    "alert rules compare with their thresholds ($rule, $region, $measure).",
                    width=24,
                    height=10,
                ),
                series(
                    "Alerts firing",
                    targets(
                        (
                            'sum by (rule, level) (vigil_alerts_firing{rule=~"$rule"})',
                            "{{rule}} {{level}}",
                        )
                    ),
                    description="Groups currently over a level, by rule and level.",
                    stacked=True,
                ),
                series(
                    "Alert transitions",
                    targets(
                        (
                            "sum by (rule, level, transition) "
                            '(increase(vigil_alerts_total{rule=~"$rule"}[$__rate_interval]))',
                            "{{rule}} {{level}} {{transition}}",
                        )
                    ),
                    description="fired, escalated, deescalated, updated, resolved, late.",
                    stacked=True,
                    bars=True,
                ),
            ],
        ),
        (
            "Notifications",
            [
                series(
                    "Deliveries by channel and outcome",
                    targets(
                        (
                            rate("vigil_notifications_total", "channel, outcome"),
                            "{{channel}} {{outcome}}",
                        )
                    ),
                    "reqps",
                ),
                series(
                    "Pending per channel",
                    targets(("sum by (channel) (vigil_notifications_pending)", "{{channel}}")),
                    description="Alerts kept for a channel that has not accepted them yet.",
                ),
                series(
                    "Console: records read",
                    targets((rate("vigil_console_records_total", "source"), "{{source}}")),
                    "reqps",
                    "Records the console reads from the alerts, dead-letter and changelog topics.",
                ),
                stat(
                    "Console caught up",
                    "max(vigil_console_caught_up)",
                    "caught up",
                    "1 once the console read every topic to its end after a start.",
                    thresholds=thresholds(("orange", None), ("green", 1)),
                    width=12,
                ),
            ],
        ),
    ]


def layout(rows: Sequence[tuple[str, list[Panel]]]) -> Iterator[Json]:
    """Rows and their panels placed left to right, wrapping at the grid's width."""
    ident = 0
    y = 0
    for title, members in rows:
        ident += 1
        yield {
            "id": ident,
            "type": "row",
            "title": title,
            "collapsed": False,
            "panels": [],
            "gridPos": {"x": 0, "y": y, "w": GRID_WIDTH, "h": 1},
        }
        y += 1
        x, line_height = 0, 0
        for panel in members:
            if x + panel.width > GRID_WIDTH:
                x, y, line_height = 0, y + line_height, 0
            ident += 1
            yield panel.render(ident, x, y)
            x += panel.width
            line_height = max(line_height, panel.height)
        y += line_height


def query_variable(name: str, label: str, query: str) -> Json:
    return {
        "name": name,
        "label": label,
        "type": "query",
        "datasource": DATASOURCE,
        "query": {"query": query, "refId": name},
        "definition": query,
        "includeAll": True,
        "multi": True,
        "allValue": ".*",
        "refresh": 2,
        "sort": 1,
        "current": {"selected": True, "text": ["All"], "value": ["$__all"]},
    }


def variables() -> list[Json]:
    return [
        {
            "name": "datasource",
            "label": "Data source",
            "type": "datasource",
            "query": "prometheus",
            "refresh": 1,
            "regex": "",
            "includeAll": False,
            "multi": False,
            "current": {"selected": True, "text": "Prometheus", "value": "prometheus"},
        },
        query_variable("rule", "Rule", "label_values(vigil_window_value, rule)"),
        query_variable(
            "region", "Region", 'label_values(vigil_window_value{rule=~"$rule"}, group)'
        ),
        query_variable("measure", "Measure", "label_values(vigil_window_value, measure)"),
        {
            "name": "console_url",
            "label": "Console URL",
            "type": "textbox",
            "query": CONSOLE_URL,
            "current": {"text": CONSOLE_URL, "value": CONSOLE_URL},
            "hide": 2,
        },
    ]


def overview() -> Json:
    return {
        "uid": "vigil-overview",
        "title": "Vigil overview",
        "tags": ["vigil"],
        "timezone": "utc",
        "schemaVersion": 39,
        "version": 1,
        "editable": True,
        "refresh": "30s",
        "time": {"from": "now-6h", "to": "now"},
        "description": "Reports in, incidents, rolling windows, alerts and their delivery. "
        "Generated by deploy/grafana/dashboards.py (make dashboards).",
        "templating": {"list": variables()},
        "annotations": {"list": []},
        "links": [
            {
                "title": "Vigil console",
                "type": "link",
                "url": "${console_url}/",
                "targetBlank": True,
                "icon": "external link",
            }
        ],
        "panels": list(layout(overview_rows())),
    }


DASHBOARDS = {"vigil-overview.json": overview}


def render(name: str) -> str:
    return json.dumps(DASHBOARDS[name](), indent=2, ensure_ascii=False) + "\n"


def main(argv: list[str] | None = None) -> int:
    files = {FOLDER / name: partial(render, name) for name in DASHBOARDS}
    return write_or_check(argv, __doc__, files, "make dashboards")


if __name__ == "__main__":
    sys.exit(main())
