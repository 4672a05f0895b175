"""docker-compose.yml and deploy/ checked by the real tools, offline: the compose spec
(check-jsonschema), promtool (config, rules, rule unit tests), amtool (config, routing),
a real Alertmanager loading the config, and the container healthcheck against a real
metrics server. Needs the Debian packages prometheus and prometheus-alertmanager; the
tests skip, saying so, when a binary is missing."""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from aiohttp import web

from services.common.health import Check, Health
from services.common.operations import add_health_routes
from tools.broker import free_port

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
ALERTMANAGER_CONFIG = DEPLOY / "alertmanager" / "alertmanager.yml"
APT_HINT = "apt-get install prometheus prometheus-alertmanager"


def tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        pytest.skip(f"{name} not installed ({APT_HINT})")
    return path


def run(*argv: str) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(argv, capture_output=True, text=True, timeout=60, cwd=ROOT)
    assert result.returncode == 0, f"{' '.join(argv)}\n{result.stdout}\n{result.stderr}"
    return result


def test_compose_file_matches_the_compose_spec() -> None:
    local = Path(sys.executable).parent / "check-jsonschema"
    binary = str(local) if local.exists() else shutil.which("check-jsonschema")
    assert binary, "check-jsonschema is a dev dependency: pip install -e '.[dev]'"
    run(binary, "--builtin-schema", "vendor.compose-spec", "docker-compose.yml")


def test_promtool_accepts_the_prometheus_config_and_its_rules() -> None:
    out = run(tool("promtool"), "check", "config", "deploy/prometheus/prometheus.yml")
    assert "1 rule files found" in out.stdout


def test_promtool_accepts_the_rules() -> None:
    run(tool("promtool"), "check", "rules", "deploy/prometheus/rules/vigil.rules.yml")


def test_promtool_rule_unit_tests_pass() -> None:
    run(tool("promtool"), "test", "rules", "deploy/prometheus/rules/vigil.rules.test.yml")


def test_amtool_accepts_the_alertmanager_config() -> None:
    run(tool("amtool"), "check-config", str(ALERTMANAGER_CONFIG))


@pytest.mark.parametrize(
    ("labels", "receiver"),
    [
        (["alertname=children_killed_24h", "fingerprint=abc", "severity=critical"], "analyst-desk"),
        (["alertname=killed_24h", "fingerprint=abc", "late=true"], "analyst-desk"),
        (["alertname=VigilCriticalAlertFiring", "audience=analyst"], "analyst-desk"),
        (["alertname=VigilServiceDown", "audience=ops", "severity=critical"], "vigil-ops"),
        (["alertname=VigilDeadLettersRising", "audience=ops", "severity=warning"], "vigil-ops"),
    ],
)
def test_alertmanager_routes_each_audience(labels: list[str], receiver: str) -> None:
    run(
        tool("amtool"),
        "config",
        "routes",
        "test",
        f"--config.file={ALERTMANAGER_CONFIG}",
        f"--verify.receivers={receiver}",
        *labels,
    )


@pytest.fixture
def alertmanager(tmp_path: Path) -> Iterator[str]:
    """The Debian Alertmanager with deploy's config, on a free loopback port."""
    binary = tool("prometheus-alertmanager")
    port = free_port()
    with (tmp_path / "alertmanager.log").open("w") as log:
        process = subprocess.Popen(
            [
                binary,
                f"--config.file={ALERTMANAGER_CONFIG}",
                f"--storage.path={tmp_path / 'data'}",
                f"--web.listen-address=127.0.0.1:{port}",
                "--cluster.listen-address=",
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)


def wait_ready(url: str, deadline_s: float = 15.0) -> None:
    deadline = time.monotonic() + deadline_s
    last: Exception | None = None
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=1) as response:
                if response.status == 200:
                    return
        except OSError as exc:
            last = exc
        time.sleep(0.05)
    raise AssertionError(f"{url} not ready after {deadline_s}s: {last}")


def test_alertmanager_starts_with_the_config(alertmanager: str) -> None:
    wait_ready(f"{alertmanager}/-/ready")
    with urllib.request.urlopen(f"{alertmanager}/api/v2/status", timeout=5) as response:
        assert b"analyst-desk" in response.read()


async def test_container_healthcheck_follows_readiness() -> None:
    """deploy/healthcheck.py against the health routes every service serves: 0 when ready,
    1 (saying which check failed) when not, 1 when nothing answers; /healthz on request."""
    health = Health("classifier")
    state = {"ok": True}
    health.add("tables", lambda: Check(state["ok"], "recovered" if state["ok"] else "recovering"))
    http = web.Application()
    add_health_routes(http, health)
    runner = web.AppRunner(http, access_log=None)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    script = str(DEPLOY / "healthcheck.py")
    env = {**os.environ, "VIGIL_HTTP_PORT": str(port)}

    async def check(*args: str) -> tuple[int, str]:
        process = await asyncio.create_subprocess_exec(
            sys.executable, script, *args, env=env, stderr=asyncio.subprocess.PIPE
        )
        _, err = await asyncio.wait_for(process.communicate(), 10)
        assert process.returncode is not None
        return process.returncode, err.decode()

    try:
        assert (await check())[0] == 0
        state["ok"] = False
        code, err = await check()
        assert code == 1 and "recovering" in err
        assert (await check("/healthz"))[0] == 0
    finally:
        await runner.cleanup()
    code, err = await check()
    assert code == 1 and "not answering" in err
