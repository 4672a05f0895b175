"""The alert lifecycle of one (rule, group): decide() step by step, with explicit times."""

from __future__ import annotations

import pytest

from schemas.alerts import AlertStatus, Transition
from services.aggregator.domain.alerting import (
    AlertState,
    Episode,
    decide,
    fingerprint,
    prune_episodes,
    quiet,
)
from services.aggregator.domain.rules import Level, Rule

H = 3600.0
W = 24 * H
RULE = Rule(
    "children_24h",
    "children_killed",
    int(W),
    ("country", "admin1"),
    (Level("warning", 5, 5), Level("critical", 10, 10)),
)
STICKY = Rule(
    "sticky",
    "children_killed",
    int(W),
    ("country", "admin1"),
    (Level("warning", 5, 3), Level("critical", 10, 8)),
)
F, E, D, R, U, L = (
    Transition.FIRED,
    Transition.ESCALATED,
    Transition.DEESCALATED,
    Transition.RESOLVED,
    Transition.UPDATED,
    Transition.LATE,
)


def run(rule: Rule, values: list[int]) -> list[tuple[Transition, int, int]]:
    """Feed live values one hour apart; (transition, level, seq) of every step."""
    state = AlertState(rule.name, "SYR/Idlib")
    out = []
    for hour, value in enumerate(values):
        for step in decide(rule, state, hour * H, value):
            assert step.window_end == hour * H and not step.late and step.value == value
            out.append((step.transition, step.level, step.seq))
    return out


@pytest.mark.parametrize(
    ("rule", "values", "expected"),
    [
        (RULE, [0, 1, 4], []),
        (RULE, [5], [(F, 1, 1)]),
        (RULE, [5, 6, 7, 9, 5], [(F, 1, 1)]),  # nothing while the level is unchanged
        (RULE, [12], [(F, 2, 1)]),  # straight to the highest level reached
        (RULE, [5, 10, 11, 10], [(F, 1, 1), (E, 2, 2)]),
        (RULE, [10, 9, 5], [(F, 2, 1), (D, 1, 2)]),
        (RULE, [10, 4], [(F, 2, 1), (R, 0, 2)]),
        (RULE, [5, 4, 5, 4], [(F, 1, 1), (R, 0, 2), (F, 1, 3), (R, 0, 4)]),
        # hysteresis: critical held down to 8, warning down to 3
        (STICKY, [10, 9, 8], [(F, 2, 1)]),
        (STICKY, [10, 7], [(F, 2, 1), (D, 1, 2)]),
        (STICKY, [10, 7, 9], [(F, 2, 1), (D, 1, 2)]),  # 9 does not re-escalate
        (STICKY, [5, 4, 3, 2], [(F, 1, 1), (R, 0, 2)]),
        (STICKY, [4, 3], []),  # resolve_below does not make it fire lower
        (STICKY, [10, 2], [(F, 2, 1), (R, 0, 2)]),
    ],
)
def test_live_transitions(
    rule: Rule, values: list[int], expected: list[tuple[Transition, int, int]]
) -> None:
    assert run(rule, values) == expected


def test_step_fields() -> None:
    state = AlertState(RULE.name, "SYR/Idlib")
    (fired,) = decide(RULE, state, 100.0, 7)
    assert fired.status is AlertStatus.FIRING
    assert (fired.previous, fired.level, fired.value, fired.window_end) == (0, 1, 7, 100.0)
    (resolved,) = decide(RULE, state, 200.0, 0)
    assert resolved.status is AlertStatus.RESOLVED
    assert (resolved.previous, resolved.level, resolved.seq) == (1, 0, 2)
    assert state.level == 0 and state.seq == 2


def test_episodes_record_announced_spans() -> None:
    state = AlertState(RULE.name, "g")
    decide(RULE, state, 1 * H, 5)
    assert state.episodes == [Episode(1 * H, None, 1)]
    decide(RULE, state, 2 * H, 10)
    assert state.episodes == [Episode(1 * H, 2 * H, 1), Episode(2 * H, None, 2)]
    decide(RULE, state, 3 * H, 0)
    assert state.episodes == [Episode(1 * H, 2 * H, 1), Episode(2 * H, 3 * H, 2)]


def test_a_late_crossing_is_one_notice_from_quiet() -> None:
    """A past window reached critical; now the value is 0: ONE late notice, nothing firing."""
    state = AlertState(RULE.name, "g")
    now, past_end = 100 * H, 50 * H
    steps = decide(RULE, state, now, 0, peak=(11, past_end))
    assert [(s.transition, s.level, s.peak, s.seq, s.late, s.status) for s in steps] == [
        (L, 0, 2, 1, True, AlertStatus.RESOLVED)
    ]
    assert (steps[0].value, steps[0].window_end) == (11, past_end)
    assert state.level == 0
    assert state.episodes == [Episode(past_end, past_end, 2)]


def test_a_late_notice_keeps_the_live_level() -> None:
    state = AlertState(RULE.name, "g")
    decide(RULE, state, 90 * H, 6)  # warning live
    steps = decide(RULE, state, 100 * H, 6, peak=(10, 80 * H))
    assert [(s.transition, s.level, s.previous, s.peak, s.seq) for s in steps] == [(L, 1, 1, 2, 2)]
    assert steps[0].status is AlertStatus.FIRING
    assert state.level == 1
    assert state.episodes == [Episode(90 * H, None, 1), Episode(80 * H, 80 * H, 2)]
    # the open live episode is still the one closed by the next change
    decide(RULE, state, 101 * H, 0)
    assert state.episodes == [Episode(90 * H, 101 * H, 1), Episode(80 * H, 80 * H, 2)]


def test_late_peak_and_live_crossing_together() -> None:
    state = AlertState(RULE.name, "g")
    steps = decide(RULE, state, 100 * H, 6, peak=(12, 90 * H))
    assert [(s.transition, s.level, s.late) for s in steps] == [(L, 0, True), (F, 1, False)]


@pytest.mark.parametrize(
    ("episodes", "peak", "expected"),
    [
        # an announced critical episode whose windows overlap the peak window: suppressed
        ([Episode(40 * H, 45 * H, 2)], (11, 50 * H), []),
        ([Episode(40 * H, 45 * H, 2)], (11, 45 * H + W - 1), []),
        # the same episode, but the peak window does not overlap it: announced
        ([Episode(40 * H, 45 * H, 2)], (11, 45 * H + W), [(L, 0, True)]),
        ([Episode(40 * H, 45 * H, 2)], (11, 40 * H - W), [(L, 0, True)]),
        # a warning episode does not cover a critical peak
        ([Episode(40 * H, 45 * H, 1)], (11, 44 * H), [(L, 0, True)]),
        # a critical episode covers a warning peak
        ([Episode(40 * H, 45 * H, 2)], (6, 44 * H), []),
        # a peak below every level: nothing
        ([], (4, 44 * H), []),
    ],
)
def test_late_suppression_by_overlapping_episodes(
    episodes: list[Episode], peak: tuple[int, float], expected: list[tuple[Transition, int, bool]]
) -> None:
    state = AlertState(RULE.name, "g", episodes=list(episodes))
    steps = decide(RULE, state, 200 * H, 0, peak=peak)
    assert [(s.transition, s.level, s.late) for s in steps] == expected


def test_open_episode_covers_up_to_now() -> None:
    state = AlertState(RULE.name, "g")
    decide(RULE, state, 10 * H, 10)  # critical, still open
    assert decide(RULE, state, 20 * H, 10, peak=(12, 15 * H)) == []


def test_a_late_crossing_is_announced_once() -> None:
    state = AlertState(RULE.name, "g")
    assert len(decide(RULE, state, 100 * H, 0, peak=(10, 50 * H))) == 1
    assert decide(RULE, state, 100 * H, 0, peak=(12, 52 * H)) == []
    assert state.seq == 1


def test_peak_not_above_live_level_changes_nothing() -> None:
    state = AlertState(RULE.name, "g")
    decide(RULE, state, 10 * H, 10)
    assert decide(RULE, state, 11 * H, 10, peak=(15, 5 * H)) == []


def test_seq_increments_by_one_per_transition() -> None:
    state = AlertState(RULE.name, "g")
    seqs = []
    for hour, (value, peak) in enumerate(
        [(5, None), (10, None), (0, None), (0, (11, 1.5 * H)), (6, None), (0, None)]
    ):
        seqs += [s.seq for s in decide(RULE, state, (hour + 100) * H, value, peak)]
    assert seqs == list(range(1, len(seqs) + 1))
    assert len(seqs) == 6


def test_fingerprint_stable_and_distinct() -> None:
    fp = fingerprint("children_24h", "SYR/Idlib")
    assert fp == fingerprint("children_24h", "SYR/Idlib")
    assert fp.startswith("children_24h:")
    assert len(fp.split(":")[1]) == 16
    others = {
        fingerprint("children_24h", "SYR/Aleppo"),
        fingerprint("killed_24h", "SYR/Idlib"),
        fingerprint("children_24h", "SYR/Idlib/x"),
    }
    assert fp not in others and len(others) == 3


def test_state_json_round_trip() -> None:
    state = AlertState(RULE.name, "SYR/Idlib")
    decide(RULE, state, 1 * H, 10)
    decide(RULE, state, 2 * H, 5)
    again = AlertState.from_json(state.to_json())
    assert again == state


@pytest.mark.parametrize(
    ("horizon", "kept"),
    [(0.0, 3), (10 * H, 3), (10 * H + 1, 2), (20 * H + 1, 1), (10**9, 1)],
)
def test_prune_episodes(horizon: float, kept: int) -> None:
    state = AlertState(
        RULE.name,
        "g",
        episodes=[Episode(0, 10 * H, 1), Episode(10 * H, 20 * H, 2), Episode(20 * H, None, 1)],
    )
    prune_episodes(state, horizon)
    assert len(state.episodes) == kept
    assert state.episodes[-1].last_end is None  # an open episode is never pruned


UPDATING = Rule(
    "updating",
    "killed",
    int(W),
    ("country", "admin1"),
    (Level("warning", 25, 20), Level("critical", 50, 40)),
    update_step=5,
)


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ([25, 29], [(F, 1, 1)]),  # a rise below the step: quiet
        ([25, 30], [(F, 1, 1), (U, 1, 2)]),
        ([25, 31, 33, 36], [(F, 1, 1), (U, 1, 2), (U, 1, 3)]),  # measured from the last one
        ([25, 20, 29, 30], [(F, 1, 1), (U, 1, 2)]),  # a fall is not announced
        ([25, 50, 54, 55], [(F, 1, 1), (E, 2, 2), (U, 2, 3)]),  # from the escalation's value
        ([20, 24], []),  # not firing: no update
        ([25, 10, 15], [(F, 1, 1), (R, 0, 2)]),
    ],
)
def test_updates_announce_a_rise_by_the_step(
    values: list[int], expected: list[tuple[Transition, int, int]]
) -> None:
    assert run(UPDATING, values) == expected


def test_an_update_says_what_it_rose_from_and_quiet_agrees_with_decide() -> None:
    state = AlertState(UPDATING.name, "g")
    decide(UPDATING, state, 1 * H, 25)
    assert quiet(UPDATING, state, 29) and not quiet(UPDATING, state, 30)
    (update,) = decide(UPDATING, state, 2 * H, 31)
    assert (update.was, update.value, update.status) == (25, 31, AlertStatus.FIRING)
    assert state.value == 31 and AlertState.from_json(state.to_json()) == state
    assert quiet(UPDATING, None, 24) and not quiet(UPDATING, None, 25)
    assert not quiet(UPDATING, state, 19)  # resolves
