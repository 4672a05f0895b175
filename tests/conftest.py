"""Shared fixtures. Integration tests share one real Tansu broker per session (started
on a free loopback port, stopped by PID at the end); each test gets its own topic prefix."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from services.common.topics import Topics
from tools.broker import EmbeddedBroker, start_broker

SHARED = Path(__file__).resolve().parents[2] / "shared"


@pytest.fixture(scope="session")
def broker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmbeddedBroker]:
    log = tmp_path_factory.mktemp("broker") / "tansu.log"
    instance = start_broker(log)
    try:
        yield instance
    finally:
        instance.stop()


@pytest.fixture
def topic_prefix() -> str:
    """Unique per test so tests never see each other's records."""
    return f"t{uuid.uuid4().hex[:10]}."


@pytest.fixture
def topics(topic_prefix: str) -> Topics:
    return Topics(topic_prefix)


@pytest.fixture(scope="session")
def shared_data() -> Path:
    return SHARED / "data"
