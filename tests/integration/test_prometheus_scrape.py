"""A real Prometheus (Debian binary) scrapes a Vigil-style /metrics endpoint and loads
deploy/prometheus/rules: the samples arrive, and every rule evaluates without error.

The target is the ``scrape_target`` fixture, a prometheus_client server in this process;
point it at a running Vigil service to test that service's endpoint instead.
Prometheus binds a free 127.0.0.1 port, keeps its TSDB in the test's tmp dir and is
stopped by its PID."""

from __future__ import annotations

import json
import shutil
import subprocess
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from prometheus_client import CollectorRegistry, start_http_server

from services.common.lag import LagMetrics
from services.common.metrics import StreamMetrics
from services.common.version import register_build_info
from tests.support import stop_process, wait_until
from tools.broker import free_port

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
RULES_GLOB = ROOT / "deploy" / "prometheus" / "rules" / "*.rules.yml"
RULES = ROOT / "deploy" / "prometheus" / "rules" / "vigil.rules.yml"
JOB = "vigil-under-test"


def get_json(url: str) -> Any:
    with urllib.request.urlopen(url, timeout=2) as response:
        return json.loads(response.read())


@pytest.fixture
def scrape_target() -> Iterator[str]:
    """host:port of a /metrics endpoint with vigil_reports_consumed_total samples."""
    registry = CollectorRegistry()
    metrics = StreamMetrics(registry, "classifier")  # the series a worker exports
    for _ in range(3):
        metrics.record_ok(0.01)
    metrics.record_rejected("validation")
    LagMetrics(registry).show({("vigil.reports.v1", 0): 0})
    register_build_info(registry)
    port = free_port()
    server, thread = start_http_server(port, addr="127.0.0.1", registry=registry)
    try:
        yield f"127.0.0.1:{port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def start_prometheus(
    binary: str, config: Path, data: Path, log: Path
) -> tuple[subprocess.Popen[bytes], str]:
    """Start on a free port; retry with another if the port was taken in between."""
    for _ in range(3):
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        with log.open("w") as out:
            process = subprocess.Popen(
                [
                    binary,
                    f"--config.file={config}",
                    f"--storage.tsdb.path={data}",
                    f"--web.listen-address=127.0.0.1:{port}",
                ],
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and process.poll() is None:
            try:
                with urllib.request.urlopen(f"{url}/-/ready", timeout=1) as response:
                    if response.status == 200:
                        return process, url
            except OSError:
                time.sleep(0.05)
        stop_process(process)
    raise AssertionError(f"prometheus did not become ready:\n{log.read_text()[-3000:]}")


@pytest.fixture
def prometheus(tmp_path: Path, scrape_target: str) -> Iterator[str]:
    binary = shutil.which("prometheus")
    if binary is None:
        pytest.skip("prometheus not installed (apt-get install prometheus)")
    config = tmp_path / "prometheus.yml"
    config.write_text(
        yaml.safe_dump(
            {
                "global": {"scrape_interval": "1s", "evaluation_interval": "1s"},
                "rule_files": [str(RULES_GLOB)],
                "scrape_configs": [
                    {
                        "job_name": JOB,
                        "static_configs": [
                            {"targets": [scrape_target], "labels": {"app": "vigil"}}
                        ],
                    }
                ],
            }
        )
    )
    process, url = start_prometheus(binary, config, tmp_path / "tsdb", tmp_path / "prom.log")
    try:
        yield url
    finally:
        stop_process(process)


def query(base: str, promql: str) -> list[dict[str, Any]]:
    url = f"{base}/api/v1/query?{urllib.parse.urlencode({'query': promql})}"
    body = get_json(url)
    assert body["status"] == "success", body
    result: list[dict[str, Any]] = body["data"]["result"]
    return result


def test_prometheus_scrapes_the_target(prometheus: str) -> None:
    started = time.monotonic()
    samples = wait_until(
        lambda: query(prometheus, f'vigil_reports_consumed_total{{job="{JOB}"}}'),
        30.0,
        "vigil_reports_consumed_total in Prometheus",
    )
    by_outcome = {s["metric"]["outcome"]: float(s["value"][1]) for s in samples}
    assert by_outcome == {"ok": 3.0, "invalid": 1.0}
    assert all(s["metric"]["app"] == "vigil" for s in samples)
    # job names the service: the series carry no service label of their own
    assert all("service" not in s["metric"] for s in samples)
    lag = query(prometheus, f'vigil_consumer_lag{{job="{JOB}"}}')
    assert [(s["metric"]["topic"], s["value"][1]) for s in lag] == [("vigil.reports.v1", "0")]
    print(f"first scrape visible after {time.monotonic() - started:.2f}s")


def test_prometheus_loads_and_evaluates_every_vigil_rule(prometheus: str) -> None:
    expected = {
        group["name"]: {rule["alert"] for rule in group["rules"]}
        for group in yaml.safe_load(RULES.read_text())["groups"]
    }

    def evaluated() -> list[dict[str, Any]] | None:
        groups: list[dict[str, Any]] = get_json(f"{prometheus}/api/v1/rules")["data"]["groups"]
        rules = [rule for group in groups for rule in group["rules"]]
        return groups if rules and all(r["health"] != "unknown" for r in rules) else None

    groups = wait_until(evaluated, 30.0, "every rule evaluated once")
    assert {g["name"]: {r["name"] for r in g["rules"]} for g in groups} == expected
    broken = {
        r["name"]: r.get("lastError") for g in groups for r in g["rules"] if r["health"] != "ok"
    }
    assert not broken, broken
    # With the target up and consuming, the availability rule stays quiet.
    assert query(prometheus, 'ALERTS{alertname="VigilServiceDown"}') == []
