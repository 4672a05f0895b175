"""Vigil's version, for ``vigil --version``, the logs and the ``vigil_build_info`` metric."""

from __future__ import annotations

import platform
from functools import cache
from importlib import metadata

from prometheus_client import CollectorRegistry, Info

DISTRIBUTION = "vigil"
RUNTIME_PACKAGES = ("faust-streaming", "aiokafka", "pydantic")
"""Libraries whose versions the build info carries: the ones Vigil's hot path relies on."""


def _installed(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "unknown"


@cache
def version() -> str:
    """The installed distribution's version (``unknown`` when run from a bare tree)."""
    return _installed(DISTRIBUTION)


def build_labels() -> dict[str, str]:
    labels = {"version": version(), "python": platform.python_version()}
    for name in RUNTIME_PACKAGES:
        labels[name.split("-")[0]] = _installed(name)
    return labels


def register_build_info(registry: CollectorRegistry) -> Info:
    """``vigil_build_info{version, python, faust, aiokafka, pydantic} 1``: which build a
    scraped process runs (join it on ``instance`` to label other series)."""
    info = Info("vigil_build", "Vigil build that this process runs.", registry=registry)
    info.info(build_labels())
    return info
