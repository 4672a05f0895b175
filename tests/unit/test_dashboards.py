"""The Grafana dashboard is generated from ``deploy/grafana/dashboards.py``: the committed
JSON is what the code writes; it has the region, rule and data-source variables, the
firing-alerts table linking to the console's pages, window values per region; every
variable a query uses exists; and every query parses as PromQL (promtool, when present)."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from deploy.grafana import dashboards

Json = dict[str, Any]


def overview() -> Json:
    return dashboards.overview()


def queries(dashboard: Json) -> list[str]:
    return [t["expr"] for p in dashboard["panels"] for t in p.get("targets", [])]


def test_committed_json_is_what_the_code_generates() -> None:
    assert dashboards.main(["--check"]) == 0
    committed = json.loads((dashboards.FOLDER / "vigil-overview.json").read_text("utf-8"))
    assert committed == overview()


def test_variables_region_rule_and_a_templated_datasource() -> None:
    variables = {v["name"]: v for v in overview()["templating"]["list"]}
    assert variables["datasource"]["type"] == "datasource"
    assert variables["datasource"]["query"] == "prometheus"
    assert variables["rule"]["definition"] == "label_values(vigil_window_value, rule)"
    assert "label_values(vigil_window_value" in variables["region"]["definition"]
    assert variables["region"]["includeAll"] and variables["region"]["multi"]
    for panel in overview()["panels"]:
        if panel["type"] == "row":
            continue
        assert panel["datasource"] == {"type": "prometheus", "uid": "${datasource}"}
        assert all(t["datasource"]["uid"] == "${datasource}" for t in panel["targets"])


def test_every_variable_a_query_uses_is_defined() -> None:
    dashboard = overview()
    defined = {v["name"] for v in dashboard["templating"]["list"]}
    used = set()
    for text in [*queries(dashboard), json.dumps(dashboard["panels"])]:
        used |= set(re.findall(r"\$\{?([a-z_]+)", text))
    builtin = {"__rate_interval", "__value", "__all", "__data"}
    assert used - builtin <= defined, used - builtin - defined


def test_firing_table_and_window_values_per_region() -> None:
    by_title = {p["title"]: p for p in overview()["panels"]}
    table = by_title["Firing alerts"]
    assert table["type"] == "table"
    (firing,) = table["targets"]
    assert firing["instant"] and firing["format"] == "table"
    assert 'vigil_console_alert_firing{rule=~"$rule", region=~"$region"}' in firing["expr"]
    (override,) = table["fieldConfig"]["overrides"]
    assert override["properties"][0]["value"][0]["url"] == "${console_url}/alerts/${__value.raw}"
    now = by_title["Window values per region now"]
    assert 'group=~"$region"' in now["targets"][0]["expr"]
    assert 'rule=~"$rule"' in now["targets"][0]["expr"]
    over_time = by_title["Rolling-window value per region"]
    assert 'group=~"$region"' in over_time["targets"][0]["expr"]


def test_panels_have_unique_ids_and_fit_the_grid() -> None:
    panels = overview()["panels"]
    ids = [p["id"] for p in panels]
    assert len(ids) == len(set(ids))
    assert all(p["gridPos"]["x"] + p["gridPos"]["w"] <= 24 for p in panels)


def test_every_query_parses_as_promql(tmp_path: Path) -> None:
    promtool = shutil.which("promtool")
    if promtool is None:
        pytest.skip("promtool is not installed: `make test` installs it when run as root")
    substitutes = {
        "$__rate_interval": "5m",
        "$rule": ".*",
        "$region": ".*",
        "$measure": ".*",
    }
    rules = []
    for i, expr in enumerate(queries(overview())):
        for name, value in substitutes.items():
            expr = expr.replace(name, value)
        assert "$" not in expr, expr
        rules.append({"record": f"dashboard:query{i}", "expr": expr})
    path = tmp_path / "dashboard.rules.yml"
    path.write_text(yaml.safe_dump({"groups": [{"name": "dashboard", "rules": rules}]}))
    result = subprocess.run(
        [promtool, "check", "rules", str(path)], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stdout + result.stderr
