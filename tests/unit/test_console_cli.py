"""``vigil alerts | tail | status`` without a broker: finding the stack (run-state files,
``--bootstrap``, the environment), and what they print for the seed story."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from tests.console_support import IDLIB_CHILDREN, NOW, seed
from tools import cli, runstate
from tools.console import terminal
from tools.console.cli import target_of
from tools.console.terminal import LagRow, ServiceState, Status
from tools.runstate import RunState

CONSOLE = "http://127.0.0.1:9999"


def state(pid: int, started: float = 1.0, bootstrap: str = "127.0.0.1:1") -> RunState:
    return RunState(
        pid=pid,
        bootstrap=bootstrap,
        topic_prefix="t.",
        app_id_prefix="tvigil",
        started_at=started,
        console_url=CONSOLE,
        services={"console": CONSOLE},
    )


def finished_pid() -> int:
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


def test_run_state_files_name_the_running_stacks_newest_first(tmp_path: Path) -> None:
    mine = runstate.write(state(1, started=5.0, bootstrap="127.0.0.1:5"), tmp_path)
    assert mine.name == "stack-1.json"  # pid 1 is alive (init)

    runstate.write(state(os.getpid(), started=9.0, bootstrap="127.0.0.1:9"), tmp_path)
    gone = runstate.write(state(finished_pid()), tmp_path)
    (tmp_path / "stack-77.json").write_text("{not json")
    found = runstate.running(tmp_path)
    assert [s.bootstrap for s in found] == ["127.0.0.1:9", "127.0.0.1:5"]
    assert not gone.exists()  # a dead stack's file is removed
    assert found[0] == RunState.from_json(found[0].to_json())
    runstate.remove(os.getpid(), tmp_path)
    assert [s.bootstrap for s in runstate.running(tmp_path)] == ["127.0.0.1:5"]
    assert runstate.running(tmp_path / "absent") == []


def args(*argv: str) -> argparse.Namespace:
    return cli.build_parser().parse_args(["alerts", *argv])


def test_target_is_bootstrap_then_the_running_stack_then_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("VIGIL_RUNTIME_DIR", str(tmp_path))
    for name in ("VIGIL_KAFKA_BOOTSTRAP", "VIGIL_TOPIC_PREFIX", "VIGIL_APP_ID_PREFIX"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.delenv("VIGIL_CONSOLE_URL", raising=False)
    assert target_of(args()) is None

    monkeypatch.setenv("VIGIL_KAFKA_BOOTSTRAP", "127.0.0.1:7")
    target = target_of(args())
    assert target is not None and target.bootstrap == "127.0.0.1:7"
    assert target.app_id_prefix == "vigil" and target.console_url is None

    runstate.write(state(1, bootstrap="127.0.0.1:5"), tmp_path)
    target = target_of(args())
    assert target is not None and target.bootstrap == "127.0.0.1:5"
    assert target.topics.alerts == "t.vigil.alerts.v2" and target.app_id_prefix == "tvigil"
    assert target.console_url == CONSOLE and target.services == {"console": CONSOLE}

    target = target_of(args("--bootstrap", "127.0.0.1:6", "--topic-prefix", "x."))
    assert target is not None and target.bootstrap == "127.0.0.1:6"
    assert target.topics.alerts == "x.vigil.alerts.v2" and target.services == {}


def test_no_vigil_found_is_exit_2_with_what_to_do(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("VIGIL_RUNTIME_DIR", str(tmp_path))
    monkeypatch.delenv("VIGIL_KAFKA_BOOTSTRAP", raising=False)
    for command in ("alerts", "tail", "status"):
        assert cli.main([command]) == 2
        err = capsys.readouterr().err
        assert "no running Vigil found" in err and "--bootstrap" in err and "make run" in err


def test_alerts_table_and_tail_lines_for_the_seed_story() -> None:
    items = list(seed().index.latest())
    table = terminal.alerts_table(items, lambda a: f"{CONSOLE}/alerts/{a.fingerprint}")
    header, first, second = table.splitlines()
    assert header.split() == [
        "LEVEL", "RULE", "REGION", "VALUE", "WHEN", "LAST", "PUBLISHED", "PAGE",
    ]  # fmt: skip
    assert first.startswith("CRITICAL  children_killed_24h  SYR / Idlib  at least 13 children")
    assert first.endswith(f"{CONSOLE}/alerts/{IDLIB_CHILDREN}")
    assert second.startswith("WARNING   killed_24h")
    assert terminal.firing_summary(items) == "2 alerts firing: 1 critical, 1 warning"
    assert terminal.firing_summary([]) == "nothing is firing"
    line = terminal.tail_line(items[0], lambda a: None)
    assert "CRITICAL" in line and "UPDATED" in line and f"({IDLIB_CHILDREN})" in line
    assert "\n" not in line


def test_status_text_names_every_part() -> None:
    status = Status(
        "Vigil on 127.0.0.1:1",
        services=[ServiceState("aggregator", "ready", "ok")],
        lag=[
            LagRow("vigil-aggregator", "vigil.incidents.classified.v1", 0, 10, 15),
            LagRow("vigil-aggregator", "vigil.aggregator.ticks.v1", 0, None, 0),
        ],
        clocks={"SYR": 1733072400.0},
        deadletters=Counter({("classifier", "invalid"): 3}),
        alerts=list(seed().index.latest()),
    )
    text = terminal.status_text(status, NOW)
    assert "aggregator  ready  ok" in text
    assert "vigil-aggregator  vigil.incidents.classified.v1  0          10         15   5" in text
    assert "vigil.aggregator.ticks.v1      0          -          0    -" in text
    assert "SYR      2024-12-01 17:00 UTC" in text
    assert "DEAD LETTERS: 3" in text and "classifier  invalid  3" in text
    assert "ALERTS: 2 alerts firing: 1 critical, 1 warning" in text
    empty = terminal.status_text(Status("Vigil on x"), NOW)
    assert "(no consumer group has input yet)" in empty
    assert "(no country has a clock yet)" in empty and "DEAD LETTERS: 0" in empty
