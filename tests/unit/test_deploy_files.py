"""Consistency of docker-compose.yml and deploy/ without any tool or server: the files
parse, refer to each other correctly, and use only metrics the services expose.
(The tools themselves, promtool/amtool/check-jsonschema, run in tests/integration.)"""

from __future__ import annotations

import importlib.util
import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
COMPOSE = ROOT / "docker-compose.yml"
PROMETHEUS = DEPLOY / "prometheus" / "prometheus.yml"
RULES = DEPLOY / "prometheus" / "rules" / "vigil.rules.yml"
RULE_TESTS = DEPLOY / "prometheus" / "rules" / "vigil.rules.test.yml"
ALERTMANAGER = DEPLOY / "alertmanager" / "alertmanager.yml"
GRAFANA = DEPLOY / "grafana"
DASHBOARDS = sorted((GRAFANA / "dashboards").glob("*.json"))

KNOWN_METRICS = frozenset(
    {
        "vigil_reports_consumed_total",
        "vigil_deadletters_total",
        "vigil_incidents_classified_total",
        "vigil_unknown_regions_total",
        "vigil_reports_ignored_total",
        "vigil_alerts_total",
        "vigil_alerts_firing",
        "vigil_window_value",
        "vigil_processing_latency_seconds",
        "vigil_watermark_timestamp_seconds",
        "vigil_http_requests_total",
        "vigil_http_request_duration_seconds",
        "vigil_reports_received_total",
        "vigil_notifications_total",
        "vigil_notifications_pending",
        "vigil_notification_latency_seconds",
        "vigil_notifier_records_total",
        "vigil_consumer_lag",
        "vigil_build_info",
        "vigil_console_alert_firing",
        "vigil_console_records_total",
        "vigil_console_caught_up",
    }
)
"""Metric names the services expose (services/*/metrics.py); histograms by base name."""

_METRIC = re.compile(r"\bvigil_[a-z0-9_]+")
_SERVICE_MODULE = re.compile(r"^services\.([a-z_]+)$")


def load_yaml(path: Path) -> Any:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def metric_names(promql: str) -> set[str]:
    """vigil_* names in a PromQL expression, histogram series folded to their base name."""
    names = set()
    for name in _METRIC.findall(promql):
        for suffix in ("_bucket", "_sum", "_count"):
            if name.endswith(suffix) and name.removesuffix(suffix) in KNOWN_METRICS:
                name = name.removesuffix(suffix)
        names.add(name)
    return names


def compose_services() -> dict[str, Any]:
    services: dict[str, Any] = load_yaml(COMPOSE)["services"]
    return services


def vigil_workers() -> dict[str, dict[str, Any]]:
    """Compose services that run a Vigil service: ``python -m services.<name>``."""
    workers = {}
    for name, spec in compose_services().items():
        command = spec.get("command") or []
        if isinstance(command, list) and command[:2] == ["python", "-m"]:
            match = _SERVICE_MODULE.match(command[2])
            if match:
                workers[name] = {**spec, "module": command[2]}
    return workers


def scrape_jobs() -> dict[str, list[str]]:
    config = load_yaml(PROMETHEUS)
    return {
        job["job_name"]: [t for static in job["static_configs"] for t in static["targets"]]
        for job in config["scrape_configs"]
    }


def rules() -> list[dict[str, Any]]:
    return [rule for group in load_yaml(RULES)["groups"] for rule in group["rules"]]


YAML_FILES = [COMPOSE, *sorted(DEPLOY.rglob("*.yml"))]


@pytest.mark.parametrize("path", YAML_FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_yaml_parses(path: Path) -> None:
    assert isinstance(load_yaml(path), dict)


def test_depends_on_targets_exist() -> None:
    services = compose_services()
    for name, spec in services.items():
        depends = spec.get("depends_on", {})
        for target in depends if isinstance(depends, list) else depends.keys():
            assert target in services, f"{name} depends on unknown service {target}"


def test_expected_services_are_in_compose() -> None:
    services = compose_services()
    assert {"kafka", "topics", "prometheus", "alertmanager", "grafana"} <= services.keys()
    assert services["kafka"]["image"].startswith("apache/kafka:")
    env = services["kafka"]["environment"]
    assert env["KAFKA_PROCESS_ROLES"] == "broker,controller"
    assert "kafka:9092" in env["KAFKA_ADVERTISED_LISTENERS"]


def test_every_vigil_worker_is_built_from_the_one_image_with_a_healthcheck() -> None:
    workers = vigil_workers()
    assert {"classifier", "aggregator", "ingest", "extractor", "notifier"} <= workers.keys()
    for name, spec in workers.items():
        assert spec["build"]["dockerfile"] == "deploy/Dockerfile", name
        assert "healthcheck" in spec, name
        assert spec["depends_on"]["kafka"]["condition"] == "service_healthy", name


def test_every_vigil_worker_has_a_scrape_job_on_its_metrics_port() -> None:
    jobs = scrape_jobs()
    for name, spec in vigil_workers().items():
        port = spec["environment"]["VIGIL_HTTP_PORT"]
        assert jobs.get(name) == [f"{name}:{port}"], f"no scrape job {name} -> {name}:{port}"


def test_every_vigil_scrape_job_has_app_label_and_a_compose_service() -> None:
    services = compose_services()
    for job in load_yaml(PROMETHEUS)["scrape_configs"]:
        labels = [static.get("labels", {}) for static in job["static_configs"]]
        if any(label.get("app") == "vigil" for label in labels):
            assert job["job_name"] in vigil_workers(), job["job_name"]
        for target in (t for static in job["static_configs"] for t in static["targets"]):
            host = target.split(":")[0]
            assert host == "localhost" or host in services, target


def test_published_ports_bind_loopback_only() -> None:
    for name, spec in compose_services().items():
        for port in spec.get("ports", []):
            assert str(port).startswith("127.0.0.1:"), f"{name} publishes {port} on all interfaces"


def test_common_vigil_env_names_are_settings_fields() -> None:
    from services.common.settings import ServiceSettings

    env = load_yaml(COMPOSE)["x-vigil-env"]
    fields = set(ServiceSettings.model_fields)
    for key in env:
        assert key.startswith("VIGIL_") and key.removeprefix("VIGIL_").lower() in fields, key


def test_topics_service_calls_code_that_exists() -> None:
    """The one-shot topic creator is a python -c line: check its imports resolve."""
    command = compose_services()["topics"]["command"]
    imports = re.findall(r"from ([\w.]+) import (\w+)", command[-1])
    assert imports
    for module, name in imports:
        assert hasattr(importlib.import_module(module), name), f"{module}.{name}"


def test_prometheus_loads_the_rules_but_not_their_tests() -> None:
    config = load_yaml(PROMETHEUS)
    matched = {p for pattern in config["rule_files"] for p in PROMETHEUS.parent.glob(pattern)}
    assert matched == {RULES}
    assert config["alerting"]["alertmanagers"][0]["static_configs"][0]["targets"] == [
        "alertmanager:9093"
    ]


def test_rules_use_known_metrics_and_carry_routing_labels() -> None:
    for rule in rules():
        assert metric_names(rule["expr"]) <= KNOWN_METRICS, rule["alert"]
        assert rule["labels"]["severity"] in {"critical", "warning"}, rule["alert"]
        assert rule["labels"]["audience"] in {"ops", "analyst"}, rule["alert"]
        assert rule["annotations"]["summary"], rule["alert"]


def test_every_alert_rule_has_a_promtool_test() -> None:
    spec = load_yaml(RULE_TESTS)
    assert spec["rule_files"] == [RULES.name]
    cases = [case for test in spec["tests"] for case in test["alert_rule_test"]]
    tested = {case["alertname"] for case in cases}
    assert {rule["alert"] for rule in rules()} <= tested
    assert any(case["exp_alerts"] == [] for case in cases), "no case expects silence"


def test_alertmanager_routes_name_existing_receivers() -> None:
    config = load_yaml(ALERTMANAGER)
    receivers = {r["name"] for r in config["receivers"]}
    routes = [config["route"], *config["route"].get("routes", [])]
    assert all(route["receiver"] in receivers for route in routes)


def test_grafana_provisioning_matches_compose_mounts() -> None:
    grafana = compose_services()["grafana"]
    mounts = dict(volume.split(":")[:2] for volume in grafana["volumes"])
    provider = load_yaml(GRAFANA / "provisioning" / "dashboards" / "vigil.yml")["providers"][0]
    assert mounts["./deploy/grafana/dashboards"] == provider["options"]["path"]
    assert mounts["./deploy/grafana/provisioning"] == "/etc/grafana/provisioning"
    home = grafana["environment"]["GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH"]
    assert Path(home).parent.as_posix() == provider["options"]["path"]
    assert (GRAFANA / "dashboards" / Path(home).name).is_file()


def datasource_uids() -> set[str]:
    spec = load_yaml(GRAFANA / "provisioning" / "datasources" / "prometheus.yml")
    return {source["uid"] for source in spec["datasources"]}


def templated(dashboard: dict[str, Any]) -> set[str]:
    """``${name}`` of each Prometheus data-source variable of ``dashboard``."""
    variables = dashboard.get("templating", {}).get("list", [])
    return {
        f"${{{v['name']}}}"
        for v in variables
        if v["type"] == "datasource" and v["query"] == "prometheus"
    }


def panels(dashboard: dict[str, Any]) -> list[dict[str, Any]]:
    return [p for p in dashboard["panels"] if p["type"] != "row"]


@pytest.mark.parametrize("path", DASHBOARDS, ids=lambda p: p.name)
def test_dashboard_uses_known_metrics_and_the_provisioned_datasource(path: Path) -> None:
    dashboard = json.loads(path.read_text(encoding="utf-8"))
    assert dashboard["uid"] and dashboard["title"]
    used: set[str] = set()
    for panel in panels(dashboard):
        assert panel["targets"], panel["title"]
        for target in panel["targets"]:
            assert target["datasource"]["uid"] in datasource_uids() | templated(dashboard), panel[
                "title"
            ]
            used |= metric_names(target["expr"])
    unknown = used - KNOWN_METRICS
    assert not unknown, f"{path.name} uses metrics no service exposes: {sorted(unknown)}"


@pytest.mark.parametrize("path", DASHBOARDS, ids=lambda p: p.name)
def test_dashboard_panels_do_not_overlap(path: Path) -> None:
    taken: dict[tuple[int, int], str] = {}
    for panel in json.loads(path.read_text(encoding="utf-8"))["panels"]:
        grid = panel["gridPos"]
        assert grid["x"] + grid["w"] <= 24, panel["title"]
        for x in range(grid["x"], grid["x"] + grid["w"]):
            for y in range(grid["y"], grid["y"] + grid["h"]):
                assert (x, y) not in taken, f"{panel['title']} overlaps {taken[(x, y)]}"
                taken[(x, y)] = panel["title"]


def test_overview_dashboard_covers_the_pipeline() -> None:
    dashboard = json.loads((GRAFANA / "dashboards" / "vigil-overview.json").read_text("utf-8"))
    assert dashboard["title"] == "Vigil overview"
    used = {m for p in panels(dashboard) for t in p["targets"] for m in metric_names(t["expr"])}
    assert KNOWN_METRICS - used <= {
        "vigil_notification_latency_seconds",
        "vigil_notifier_records_total",
    }


def _service_sources() -> str:
    return "\n".join(
        p.read_text(encoding="utf-8") for p in sorted((ROOT / "services").rglob("*.py"))
    )


@pytest.mark.parametrize("metric", sorted(KNOWN_METRICS))
def test_known_metric_is_defined_by_a_service(metric: str) -> None:
    """Guards against dashboards and rules drifting from the code: each name above must
    appear (as a string literal) in some services/**/*.py."""
    base = re.escape(metric.removesuffix("_total").removesuffix("_info"))  # Info adds _info
    assert re.search(rf"[\"']{base}(_total)?[\"']", _service_sources()), f"{metric} not found"


@pytest.mark.parametrize("name", ["classifier", "aggregator", "ingest", "extractor", "notifier"])
def test_compose_runs_modules_that_exist(name: str) -> None:
    module = vigil_workers()[name]["module"]
    assert importlib.util.find_spec(f"{module}.__main__") is not None, f"{module} not runnable"


def _healthcheck() -> Any:
    spec = importlib.util.spec_from_file_location("vigil_healthcheck", DEPLOY / "healthcheck.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_healthcheck_fails_without_a_fixed_port(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("VIGIL_HTTP_PORT", raising=False)
    assert _healthcheck().main([]) == 1
    monkeypatch.setenv("VIGIL_HTTP_PORT", "0")
    assert _healthcheck().main([]) == 1


def test_compose_healthchecks_ask_for_readiness() -> None:
    """Every Vigil worker's compose healthcheck (and the image's) runs deploy/healthcheck.py
    on /readyz, and that script's default is /readyz too."""
    for name, spec in vigil_workers().items():
        assert spec["healthcheck"]["test"][-2:] == ["/opt/vigil/healthcheck.py", "/readyz"], name
    assert '"/opt/vigil/healthcheck.py", "/readyz"]' in (DEPLOY / "Dockerfile").read_text()
    assert _healthcheck().DEFAULT_PATH == "/readyz"


def test_no_series_carries_a_service_label() -> None:
    """``job`` names the service (one scrape job per service): rules and dashboards group
    by it, and no expression refers to a ``service`` label the services do not export."""
    exprs = [rule["expr"] for rule in rules()]
    for path in DASHBOARDS:
        dashboard = json.loads(path.read_text(encoding="utf-8"))
        exprs += [t["expr"] for p in panels(dashboard) for t in p["targets"]]
    assert exprs and not [e for e in exprs if re.search(r"\bservice\b", e)]
