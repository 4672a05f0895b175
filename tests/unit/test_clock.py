"""The event-time clock: T is the highest position seen; idle ticks move it on."""

from __future__ import annotations

import pytest

from services.aggregator.domain.clock import Clock

IDLE = 300.0


def test_observe_moves_only_forward() -> None:
    clock = Clock()
    assert clock.observe(1000.0, wall=50.0) is True
    assert clock.observe(900.0, wall=60.0) is False  # a late report never moves T back
    assert clock.now == 1000.0
    assert (clock.anchor_event, clock.anchor_wall) == (1000.0, 60.0)
    assert clock.observe(1000.0, wall=70.0) is False
    assert clock.observe(1500.0, wall=80.0) is True
    assert (clock.now, clock.anchor_event, clock.anchor_wall) == (1500.0, 1500.0, 80.0)


@pytest.mark.parametrize(
    ("walls", "moved", "now"),
    [
        ([100.0 + IDLE - 1], [False], 1000.0),  # not idle long enough
        ([100.0 + IDLE], [True], 1000.0 + IDLE),  # from the anchor, at wall-clock speed
        ([100.0 + 3600], [True], 4600.0),
        ([100.0 + 3600, 100.0 + 3600], [True, False], 4600.0),  # the same tick twice
        ([100.0 + 3600, 100.0 + 1800], [True, False], 4600.0),  # wall going back: T stays
        ([100.0 + 3600, 100.0 + 7200], [True, True], 8200.0),
    ],
)
def test_idle_tick(walls: list[float], moved: list[bool], now: float) -> None:
    clock = Clock()
    clock.observe(1000.0, wall=100.0)
    assert [clock.tick(w, IDLE) for w in walls] == moved
    assert clock.now == now


def test_tick_before_any_report_does_nothing() -> None:
    clock = Clock()
    assert clock.tick(10**9, IDLE) is False
    assert clock.now is None


def test_report_after_ticks_reanchors() -> None:
    clock = Clock()
    clock.observe(1000.0, wall=100.0)
    clock.tick(100.0 + 3600, IDLE)  # T = 4600
    assert clock.observe(2000.0, wall=4000.0) is False  # behind T: T stays, anchor moves
    assert (clock.now, clock.anchor_event, clock.anchor_wall) == (4600.0, 4600.0, 4000.0)
    assert clock.tick(4000.0 + IDLE, IDLE) is True
    assert clock.now == 4600.0 + IDLE


def test_replay_without_pauses_ignores_wall() -> None:
    a, b = Clock(), Clock()
    for position, wall in [(10.0, 0.0), (5.0, 1.0), (30.0, 2.0)]:
        a.observe(position, wall)
        b.observe(position, wall + 10**6)
    assert a.now == b.now == 30.0


def test_json_round_trip() -> None:
    clock = Clock()
    clock.observe(1000.0, wall=100.0)
    assert Clock.from_json(clock.to_json()) == clock
    assert Clock.from_json(Clock().to_json()) == Clock()
