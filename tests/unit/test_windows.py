"""Timeline: rolling windows ``end - width < position <= end``, and the peak search."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from services.aggregator.domain.windows import Timeline

K = "children_killed:low"


def timeline(*items: tuple[str, float, int]) -> Timeline:
    tl = Timeline()
    for incident_id, position, value in items:
        tl.add(incident_id, position, {K: value})
    return tl


TL = timeline(("a", 10, 1), ("b", 20, 2), ("c", 20, 4), ("d", 35, 8))


@pytest.mark.parametrize(
    ("end", "width", "total", "members"),
    [
        (9, 10, 0, []),
        (10, 10, 1, ["a"]),  # end inclusive
        (19.5, 10, 1, ["a"]),
        (20, 10, 6, ["b", "c"]),  # start exclusive: a at 10 is out of (10, 20]
        (20, 11, 7, ["a", "b", "c"]),
        (29.9, 10, 6, ["b", "c"]),
        (30, 10, 0, []),
        (35, 15, 8, ["d"]),
        (35, 16, 14, ["b", "c", "d"]),
        (100, 1000, 15, ["a", "b", "c", "d"]),
    ],
)
def test_total_and_members(end: float, width: float, total: int, members: list[str]) -> None:
    assert TL.total(end, width, K) == total
    assert sorted(TL.members(end, width)) == members


def test_missing_key_counts_zero() -> None:
    assert TL.total(20, 10, "killed:low") == 0


def test_add_move_remove() -> None:
    tl = timeline(("a", 10, 1), ("b", 20, 2))
    tl.remove("a", 10)
    tl.add("a", 25, {K: 5})  # a revision that moves the incident
    assert len(tl) == 2
    assert tl.total(25, 10, K) == 7
    tl.remove("b", 20)
    assert tl.total(25, 10, K) == 5
    assert tl.positions == sorted(tl.positions)


def test_remove_picks_the_right_one_among_equal_positions() -> None:
    tl = timeline(("a", 5, 1), ("b", 5, 2), ("c", 5, 4))
    tl.remove("b", 5)
    assert tl.ids == ["a", "c"]
    assert tl.total(5, 1, K) == 5
    with pytest.raises(ValueError):
        tl.remove("b", 5)


@pytest.mark.parametrize(
    ("first", "last", "width", "expected"),
    [
        (10, 10, 10, (1, 10)),
        (10, 29, 10, (6, 20)),
        (20, 29, 11, (7, 20)),
        (10, 40, 20, (14, 35)),  # b, c, d: (15, 35]
        (36, 40, 5, (8, 36)),  # no incident enters; the first end is the candidate
        (0, 5, 10, (0, 0)),  # nothing at all
        (30, 34, 10, (0, 30)),  # a gap between incidents
    ],
)
def test_peak_table(first: float, last: float, width: float, expected: tuple[int, float]) -> None:
    assert TL.peak(first, last, width, K) == expected


def test_peak_earliest_end_on_ties() -> None:
    tl = timeline(("a", 0, 5), ("b", 30, 5))
    assert tl.peak(0, 40, 10, K) == (5, 0)


def brute_peak(tl: Timeline, first: float, last: float, width: float) -> tuple[int, float]:
    """Max over every window end in [first, last]: totals are step functions that only
    change at a position (entering) or position + width (leaving), so those ends and the
    range's own ends are all the distinct windows there are."""
    ends = {first, last}
    for p in tl.positions:
        ends.update(e for e in (p, p + width) if first <= e <= last)
    best = max((tl.total(e, width, K), -e) for e in ends)
    return best[0], -best[1]


items = st.lists(st.tuples(st.integers(0, 60), st.integers(0, 9)), min_size=0, max_size=12).map(
    lambda xs: [(f"i{n}", float(p), v) for n, (p, v) in enumerate(xs)]
)


@settings(max_examples=150, deadline=None)
@given(
    items=items,
    first=st.integers(0, 70),
    span=st.integers(0, 40),
    width=st.integers(1, 30),
)
def test_peak_equals_brute_force(
    items: list[tuple[str, float, int]], first: int, span: int, width: int
) -> None:
    tl = timeline(*items)
    got = tl.peak(first, first + span, width, K)
    assert got == brute_peak(tl, first, first + span, width)


@settings(max_examples=80, deadline=None)
@given(items=items, end=st.integers(0, 70), width=st.integers(1, 30))
def test_total_equals_definition(items: list[tuple[str, float, int]], end: int, width: int) -> None:
    tl = timeline(*items)
    assert tl.total(end, width, K) == sum(v for _, p, v in items if end - width < p <= end)
    assert sorted(tl.members(end, width)) == sorted(
        i for i, p, _ in items if end - width < p <= end
    )
