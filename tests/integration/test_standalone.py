"""Each service on its own, as README says to run it: ``python -m services.<name>`` with
only ``VIGIL_KAFKA_BOOTSTRAP`` (plus the fast-join session settings and a known HTTP
port, which change no topic) against a fresh broker. It creates the topics it needs with
``VIGIL_TOPIC_PARTITIONS`` partitions and handles its first record; a topic with the
wrong partition count, an unreachable broker or a wrong setting stops it with one line
and a documented exit code; ``--help`` prints its settings."""

from __future__ import annotations

import asyncio
import contextlib
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from aiokafka.admin import AIOKafkaAdminClient

from services.aggregator.state import TABLES
from services.common.kafka import create_topics
from services.common.publisher import make_producer, publish_reports
from services.common.startup import EXIT_BROKER, EXIT_CONFIG
from services.common.topics import Topics
from tests.factories import classified, report
from tests.integration.pipeline import sample
from tests.support import consume, wait_until
from tools.broker import EmbeddedBroker, free_port, start_broker
from tools.stack import FAST_JOIN

pytestmark = pytest.mark.integration

PARTITIONS = 2
T = Topics()
NEEDS = {
    "classifier": [T.reports, T.classified, T.deadletters],
    "aggregator": [T.classified, T.aggregator_ticks, T.alerts, T.deadletters],
    "extractor": [T.raw_text, T.reports, T.deadletters],
    "notifier": [T.alerts, T.deadletters],
    "ingest": [T.reports],
}
OWN_SETTING = {
    "classifier": "VIGIL_CLASSIFIER_SEVERITY_FILE",
    "aggregator": "VIGIL_AGGREGATOR_RULES_FILE",
    "extractor": "VIGIL_EXTRACTOR_DEFAULT_COUNTRY",
    "notifier": "VIGIL_NOTIFIER_WEBHOOK_URLS",
    "ingest": "VIGIL_INGEST_TOKENS",
}


def clean_env(**extra: str) -> dict[str, str]:
    """The test process's environment without any VIGIL_ variable, plus ``extra``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("VIGIL_")}
    return {**env, **extra}


@contextlib.contextmanager
def service(name: str, env: dict[str, str], log: Path) -> Iterator[subprocess.Popen[bytes]]:
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", f"services.{name}"],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
    try:
        yield proc
    finally:
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


async def partitions(bootstrap: str) -> dict[str, int]:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        names = await admin.list_topics()
        described = await admin.describe_topics(names) if names else []
        return {t["topic"]: len(t["partitions"]) for t in described}
    finally:
        await admin.close()


async def first_record(name: str, bootstrap: str) -> None:
    """Send the service one record of its input; nothing to send for ingest/notifier."""
    producer = make_producer(bootstrap)
    await producer.start()
    try:
        if name == "classifier":
            await publish_reports(producer, T.reports, [report("first-1", killed=3)])
        elif name == "aggregator":
            value = classified(report("first-1", killed=30)).model_dump_json().encode()
            await producer.send_and_wait(T.classified, value, key=b"SYR")
        elif name == "extractor":
            text = b"Three people were killed in Idlib on Dec 1, the White Helmets said."
            headers = [("vigil-reported-at", b"2024-12-02T08:00:00Z"), ("vigil-country", b"SYR")]
            await producer.send_and_wait(T.raw_text, text, headers=headers)
    finally:
        await producer.stop()


@pytest.mark.parametrize("name", sorted(NEEDS))
async def test_a_service_alone_on_a_fresh_broker_creates_its_topics_and_takes_input(
    name: str, tmp_path: Path
) -> None:
    broker: EmbeddedBroker = start_broker(tmp_path / "tansu.log")
    port = free_port()
    env = clean_env(
        VIGIL_KAFKA_BOOTSTRAP=broker.bootstrap,
        VIGIL_TOPIC_PARTITIONS=str(PARTITIONS),
        VIGIL_HTTP_PORT=str(port),
        VIGIL_INGEST_TOKENS="t0ken",
        VIGIL_NOTIFIER_CONSOLE="true",  # a notifier with no channel refuses to start
        **FAST_JOIN,
    )
    log = tmp_path / f"{name}.log"
    try:
        with service(name, env, log) as proc:
            metrics = f"http://127.0.0.1:{port}/metrics"
            deadline = time.monotonic() + 30
            while not set(NEEDS[name]) <= set(await partitions(broker.bootstrap)):
                assert proc.poll() is None, f"{name} stopped: {log.read_text()[-2000:]}"
                assert time.monotonic() < deadline, f"{name} did not create its topics"
                await asyncio.sleep(0.2)
            await first_record(name, broker.bootstrap)
            if name == "classifier":
                assert len(await consume(broker.bootstrap, T.classified, 1, 30)) == 1
            elif name == "aggregator":
                wait_until(
                    lambda: sample(metrics, "vigil_reports_consumed_total", outcome="ok"),
                    30,
                    "the aggregator to count its first record",
                )
                assert await consume(broker.bootstrap, T.alerts, 1, 15)
            elif name == "extractor":
                assert len(await consume(broker.bootstrap, T.reports, 1, 30)) == 1
            layout = await partitions(broker.bootstrap)
            assert proc.poll() is None, f"{name} stopped: {log.read_text()[-2000:]}"
    finally:
        broker.stop()
    text = log.read_text(encoding="utf-8", errors="replace")
    assert "Traceback" not in text, text[-3000:]
    assert {t: layout[t] for t in NEEDS[name]} == dict.fromkeys(NEEDS[name], PARTITIONS)
    if name == "aggregator":  # Faust's changelogs, partitioned like the input
        changelogs = {t: n for t, n in layout.items() if t.endswith("-changelog")}
        assert len(changelogs) == len(TABLES) and set(changelogs.values()) == {PARTITIONS}


def run_alone(name: str, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", f"services.{name}", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        stdin=subprocess.DEVNULL,
        check=False,
    )


async def test_a_topic_with_other_partitions_stops_the_aggregator_with_one_line(
    broker: EmbeddedBroker, topics: Topics
) -> None:
    await create_topics(broker.bootstrap, [topics.classified], partitions=3)
    env = clean_env(
        VIGIL_KAFKA_BOOTSTRAP=broker.bootstrap,
        VIGIL_TOPIC_PREFIX=topics.prefix,
        VIGIL_TOPIC_PARTITIONS="2",
    )
    done = await asyncio.to_thread(run_alone, "aggregator", env)
    assert done.returncode == EXIT_CONFIG
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith(f"vigil aggregator: topic {topics.classified} has 3 partitions")
    assert "VIGIL_TOPIC_PARTITIONS is 2" in lines[0]
    assert "Traceback" not in done.stdout + done.stderr


async def test_an_unreachable_broker_is_one_line_per_attempt_then_exit_3() -> None:
    env = clean_env(
        VIGIL_KAFKA_BOOTSTRAP=f"127.0.0.1:{free_port()}",
        VIGIL_BROKER_WAIT_SECONDS="1",
        VIGIL_NOTIFIER_CONSOLE="true",
    )
    started = time.monotonic()
    runs = await asyncio.gather(
        *(asyncio.to_thread(run_alone, name, env) for name in ("aggregator", "notifier"))
    )
    assert time.monotonic() - started < 30
    for name, done in zip(("aggregator", "notifier"), runs, strict=True):
        assert done.returncode == EXIT_BROKER, done.stderr
        lines = done.stderr.strip().splitlines()
        assert lines and all(line.startswith(f"vigil {name}: Kafka at ") for line in lines)
        assert "gave up after VIGIL_BROKER_WAIT_SECONDS=1" in lines[-1]


async def test_a_wrong_setting_is_one_line_naming_the_variable() -> None:
    env = clean_env(VIGIL_AGGREGATOR_LATENESS="soon")
    done = await asyncio.to_thread(run_alone, "aggregator", env)
    assert done.returncode == EXIT_CONFIG
    assert done.stderr.startswith("vigil aggregator: invalid setting VIGIL_AGGREGATOR_LATENESS")
    assert len(done.stderr.strip().splitlines()) == 1


async def test_help_prints_the_settings_and_exits() -> None:
    runs = await asyncio.gather(
        *(asyncio.to_thread(run_alone, name, clean_env(), "--help") for name in OWN_SETTING)
    )
    for (name, own), done in zip(OWN_SETTING.items(), runs, strict=True):
        assert done.returncode == 0, done.stderr
        assert done.stdout.startswith(f"usage: python -m services.{name}")
        assert "VIGIL_KAFKA_BOOTSTRAP" in done.stdout and own in done.stdout
