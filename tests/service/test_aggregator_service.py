"""The aggregator's service layer (``services/aggregator/service.py``) driven in memory:
tables are dicts, the producer and the dead-letter topic are lists. Batches of records
in, state, alerts and dead letters out, as the Faust agent would hand them over."""

from __future__ import annotations

import asyncio
import itertools
import threading
import time
from collections.abc import Callable
from datetime import timedelta

import pytest

from schemas.alerts import Alert
from schemas.reports import Figure
from services.aggregator.domain.countries import Countries
from services.aggregator.domain.engine import EngineConfig
from services.aggregator.settings import AggregatorSettings
from services.aggregator.state import TABLES, DictStore, StateTables
from services.common.deadletter import original_value
from tests.factories import T0, classified, report
from tests.integration.crash_helpers import (
    LATENESS,
    RULES_YAML,
    UNRELIABLE,
    WALL,
    as_transition,
    generate_stream,
    oracle_transitions,
)
from tests.service.memory import Harness, Inputs, Message, harness, tick

pytestmark = pytest.mark.service


@pytest.fixture(scope="module")
def config(tmp_path_factory: pytest.TempPathFactory) -> EngineConfig:
    rules = tmp_path_factory.mktemp("rules") / "rules.yaml"
    rules.write_text(RULES_YAML, encoding="utf-8")
    return AggregatorSettings(
        rules_file=rules, lateness=LATENESS, unreliable_sources=[UNRELIABLE]
    ).engine_config()


async def feed(h: Harness, messages: list[Message], size: int, partition: int = 0) -> None:
    for start in range(0, len(messages), size):
        await h.aggregator.handle(partition, messages[start : start + size], ticks=False)


def dump(tables: StateTables) -> dict[str, dict[bytes, bytes]]:
    out = {}
    for name, store in tables.stores().items():
        assert isinstance(store, DictStore)
        out[name] = dict(store)
    return out


@pytest.mark.parametrize("size", [1, 7, 1000])
async def test_any_batching_gives_the_oracles_alerts_and_the_same_tables(
    config: EngineConfig, size: int
) -> None:
    stream = generate_stream(3)  # two countries, revisions, sources, late, redeliveries
    h = harness(config, WALL)
    await feed(h, Inputs().incidents(stream), size)
    assert [as_transition(a) for a in h.alerts.alerts] == oracle_transitions(config, stream)
    one = harness(config, WALL)
    await feed(one, Inputs().incidents(stream), 1)
    assert dump(h.tables) == dump(one.tables)
    assert h.sample("vigil_reports_consumed_total", outcome="ok") == len(stream)


async def test_refused_reports_are_dead_letters_with_reason_and_original_bytes(
    config: EngineConfig,
) -> None:
    h = harness(config, WALL)
    inputs = Inputs()
    first = report("wh-1", "i1", killed=5, source="White Helmets")
    rewritten = report("wh-1", "i9", killed=30, source="White Helmets")  # same id, other content
    typo = report("wh-2042", "i2", killed=80, hours=(366 * 18) * 24)  # a year typo: 2042
    later = report("wh-3", "i3", killed=1, hours=24 * 10)
    old = report("wh-4", "i4", killed=9, hours=-24 * 10)  # 20 days behind SYR's clock
    messages = [
        *inputs.incidents([classified(first)]),
        inputs.record(b"not json at all", key=b"SYR"),
        *inputs.incidents([classified(r) for r in (first, rewritten, typo, later, old)]),
    ]
    await feed(h, messages, 1000)
    kinds = [letter.error_type for letter in h.dead.letters]
    assert kinds == ["decode", "conflict", "future", "too_late"]
    for letter in h.dead.letters:
        assert original_value(letter) == messages[letter.source_offset].value
        assert letter.service == "aggregator" and letter.source_topic == inputs.topic
    conflict, future, too_late = (letter.reason for letter in h.dead.letters[1:])
    assert "wh-1" in conflict and "first seen at input offset 0" in conflict
    assert "incident_id i1 -> i9" in conflict and "casualties" in conflict
    assert future.startswith("occurred_at 2042-") and "after the wall clock" in future
    assert "behind the event-time clock of SYR" in too_late and "vigil replay" in too_late
    for reason, count in [
        ("duplicate", 1),
        ("conflict", 1),
        ("future", 1),
        ("too_late", 1),
        ("superseded", 0),
    ]:
        assert h.sample("vigil_reports_ignored_total", reason=reason) == count, reason
    assert h.sample("vigil_deadletters_total", error_type="conflict") == 1
    assert h.sample("vigil_reports_consumed_total", outcome="invalid") == 1
    assert h.sample("vigil_reports_consumed_total", outcome="ok") == 6
    assert h.aggregator.clocks() == {"SYR": (T0 + timedelta(days=10)).timestamp()}


async def test_a_replacement_worker_continues_where_the_first_stopped(
    config: EngineConfig,
) -> None:
    stream = generate_stream(7)
    messages = Inputs().incidents(stream)
    whole = harness(config, WALL)
    await feed(whole, messages, 50)
    first = harness(config, WALL)
    await feed(first, messages[:200], 50)
    second = harness(config, WALL, tables=first.tables)  # rebuilt from the tables
    await feed(second, messages[200:], 50)
    # the broker acknowledged every alert of the first worker, which cleared them from the
    # outbox at once (not at its next input): the second re-sends none of them
    assert isinstance(first.tables.outbox, DictStore) and not first.tables.outbox
    assert first.alerts.alerts + second.alerts.alerts == whole.alerts.alerts
    for each in (second, whole):
        each.aggregator.settle(0)
    assert dump(second.tables) == dump(whole.tables)


async def test_unacknowledged_alerts_stay_in_the_outbox_and_are_resent_after_a_crash(
    config: EngineConfig,
) -> None:
    inputs = Inputs()
    h = harness(config, WALL, acknowledge=False)
    await feed(h, inputs.incidents([classified(report("r1", children=7))]), 10)
    fired = h.alerts.alerts
    assert [a.transition.value for a in fired] == ["fired"]
    outbox = h.tables.outbox
    assert isinstance(outbox, DictStore) and len(outbox) == 1
    # the worker dies before the broker acknowledged: a replacement re-sends on rebuild
    again = harness(config, WALL, tables=h.tables, acknowledge=False)
    await feed(again, inputs.incidents([classified(report("r2", killed=1, hours=1))]), 10)
    assert again.alerts.alerts[:1] == fired
    assert len(outbox) == len(again.alerts.alerts)  # nothing acknowledged yet
    again.alerts.ack_all()
    await asyncio.sleep(0)  # the futures' callbacks run: no further input needed
    assert len(outbox) == 0
    # a third worker after the acknowledgement re-sends nothing
    third = harness(config, WALL, tables=h.tables)
    await feed(third, inputs.incidents([classified(report("r3", killed=1, hours=2))]), 10)
    assert not {a.dedup_key() for a in third.alerts.alerts} & {
        a.dedup_key() for a in again.alerts.alerts
    }


async def test_stop_waits_for_the_acknowledgements_and_clears_the_outbox(
    config: EngineConfig,
) -> None:
    h = harness(config, WALL, acknowledge=False)
    await feed(h, Inputs().incidents([classified(report("r1", children=7))]), 10)
    outbox = h.tables.outbox
    assert isinstance(outbox, DictStore) and len(outbox) == 1
    loop = asyncio.get_running_loop()
    loop.call_later(0.05, h.alerts.ack_all)  # the broker answers while the worker stops
    await h.aggregator.stop(wait_seconds=5)
    assert len(outbox) == 0


async def test_ticks_move_only_idle_countries_and_bad_ticks_are_dead_letters(
    config: EngineConfig,
) -> None:
    wall = WALL
    h = harness(config, wall)
    inputs = Inputs()
    syria = classified(report("s1", children=7, region="Idlib"))
    iraq = classified(report("q1", children=7, country="IRQ", region="Ninawa"))
    await feed(h, inputs.incidents([syria]), 10)
    h.aggregator.wall = lambda: wall + 200.0  # Iraq's report comes 200 s later
    await feed(h, inputs.incidents([iraq]), 10)
    fired = len(h.alerts.alerts)
    # 300 s after Syria's report (the default idle_after): only Syria moves on
    await h.aggregator.handle(0, [tick(wall + 300.0)], ticks=True)
    clocks = h.aggregator.clocks()
    assert clocks["SYR"] == syria.report.occurred_at.timestamp() + 300.0
    assert clocks["IRQ"] == iraq.report.occurred_at.timestamp()
    # a day later both have moved a day on: both windows closed, both alerts resolved
    await h.aggregator.handle(0, [tick(wall + 86400.0 + 300.0)], ticks=True)
    resolved = [a for a in h.alerts.alerts[fired:] if a.transition.value == "resolved"]
    assert sorted(a.group_key for a in resolved) == ["IRQ/Ninawa", "SYR/Idlib"]
    await h.aggregator.handle(0, [inputs.record(b'{"no wall": 1}')], ticks=True)
    assert [d.error_type for d in h.dead.letters] == ["decode"]
    assert "bad tick" in h.dead.letters[0].reason


async def test_a_rebalance_rebuilds_every_partition_from_the_tables(
    config: EngineConfig,
) -> None:
    h = harness(config, WALL)
    inputs = Inputs()
    await feed(h, inputs.incidents([classified(report("a", children=4))], partition=0), 10, 0)
    iraq = report("b", children=4, country="IRQ", region="Ninawa")
    await h.aggregator.handle(1, inputs.incidents([classified(iraq)], partition=1), ticks=False)
    assert set(h.aggregator.partitions) == {0, 1}
    before = len(h.alerts.alerts)
    assert [(a.rule, a.group_key) for a in h.alerts.alerts] == [
        ("children_24h", "SYR/Idlib"),
        ("children_24h", "IRQ/Ninawa"),
    ]
    h.aggregator.forget()  # partitions (re)assigned
    assert h.aggregator.partitions == {}
    more = report("b2", children=1, country="IRQ", region="Ninawa", hours=1)
    await h.aggregator.handle(1, inputs.incidents([classified(more)], partition=1), ticks=False)
    assert set(h.aggregator.partitions) == {1}
    # partition 1's last alert was acknowledged (so not re-sent); the rebuilt state knows
    # children_24h fires already (5 is still a warning), so only the second incident's
    # own crossing is new
    new = h.alerts.alerts[before:]
    assert [(a.rule, a.group_key, a.seq, a.value) for a in new] == [
        ("incidents_12h", "IRQ/Ninawa", 1, 2)
    ]
    assert set(h.aggregator.clocks()) == {"IRQ"}


async def test_every_table_has_a_store(config: EngineConfig) -> None:
    assert set(StateTables.in_memory().stores()) == set(TABLES)
    # a figure the rules do not count still makes a report applied and persisted
    h = harness(config, WALL)
    await feed(h, Inputs().incidents([classified(report("z", injured=Figure.exact(3)))]), 1)
    assert dump(h.tables)["incidents"].keys() == {b"SYR/z"}
    assert dump(h.tables)["ids"].keys() == {b"SYR/z"}


async def until(condition: Callable[[], bool], seconds: float = 10.0) -> None:
    deadline = time.monotonic() + seconds
    for _ in itertools.count():
        if condition():
            return
        assert time.monotonic() < deadline, "condition not reached"
        await asyncio.sleep(0.001)


class SlowTables(StateTables):
    """Tables whose rebuild waits until the event loop signals it: it finishes only if the
    loop keeps running while it is under way."""

    def __init__(self) -> None:
        super().__init__(*(DictStore() for _ in TABLES))
        self.go = threading.Event()
        self.threads: list[threading.Thread] = []

    def rebuild(self, partition: int, config: EngineConfig) -> tuple[Countries, list[Alert]]:
        self.threads.append(threading.current_thread())
        assert self.go.wait(10), "the event loop did not run during the rebuild"
        self.go.clear()
        return super().rebuild(partition, config)


async def test_the_event_loop_runs_while_a_partition_is_rebuilt(config: EngineConfig) -> None:
    tables = SlowTables()
    h = harness(config, WALL, tables=tables)
    batch = asyncio.create_task(
        h.aggregator.handle(
            0, Inputs().incidents([classified(report("a", children=7))]), ticks=False
        )
    )
    await until(lambda: len(tables.threads) == 1)  # the loop runs (health, metrics) meanwhile
    assert not batch.done()
    tables.go.set()
    await batch
    assert tables.threads[0] is not threading.main_thread()
    assert [a.rule for a in h.alerts.alerts] == ["children_24h"]


async def test_a_rebalance_during_a_rebuild_rebuilds_again(config: EngineConfig) -> None:
    tables = SlowTables()
    h = harness(config, WALL, tables=tables)
    batch = asyncio.create_task(
        h.aggregator.handle(
            0, Inputs().incidents([classified(report("a", children=7))]), ticks=False
        )
    )
    await until(lambda: len(tables.threads) == 1)
    h.aggregator.forget()  # partitions reassigned while the first rebuild runs
    tables.go.set()
    await until(lambda: len(tables.threads) == 2)
    tables.go.set()
    await batch
    assert len(tables.threads) == 2 and set(h.aggregator.partitions) == {0}


async def test_a_rebalance_drops_the_window_and_clock_series_of_partitions_given_away(
    config: EngineConfig,
) -> None:
    h = harness(config, WALL)
    inputs = Inputs()
    await feed(h, inputs.incidents([classified(report("a", children=4))], partition=0), 10, 0)
    iraq = report("b", children=4, country="IRQ", region="Ninawa")
    await h.aggregator.handle(1, inputs.incidents([classified(iraq)], partition=1), ticks=False)

    def shown() -> set[tuple[str, str]]:
        families = {m.name: m for m in h.registry.collect()}
        windows = {
            (s.labels["rule"], s.labels["group"]) for s in families["vigil_window_value"].samples
        }
        clocks = {
            ("clock", s.labels["country"])
            for s in families["vigil_watermark_timestamp_seconds"].samples
        }
        return windows | clocks

    # (a region the gazetteer does not know is shown under its country's "other")
    assert {("children_24h", "SYR/Idlib"), ("children_24h", "IRQ/other")} <= shown()
    assert {("clock", "SYR"), ("clock", "IRQ")} <= shown()
    h.aggregator.forget()  # a rebalance: this worker keeps partition 1 only
    assert shown() == set()
    await h.aggregator.handle(1, [tick(WALL, partition=1)], ticks=True)  # rebuilt on a tick
    assert ("children_24h", "IRQ/other") in shown() and ("clock", "IRQ") in shown()
    assert not {g for g in shown() if "SYR" in g[1]}
