"""Equal immutable parts held once (services/aggregator/domain/sharing.py): a shared part
is always equal to, and of the same type as, the part it replaces."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

import pytest

from services.aggregator.domain import sharing
from services.aggregator.domain.linking.subjects import Span, Subject
from services.aggregator.domain.sharing import Parts


def _subject(incident_id: str, killed: int = 6) -> Subject:
    return Subject(
        incident_id=incident_id,
        feeds=frozenset({"source:sn"}),
        dataset="source:sn",
        day=739190,
        admin1="Idlib",
        admin2=None,
        names=("kafr layla",),
        keys=frozenset({"kfrl"}),
        lat=None,
        lon=None,
        stated=False,
        population=0,
        figures={"killed": Span(frozenset({killed}), killed, killed, True)},
        tolls=frozenset({f"killed={killed}", "source=sn"}),
        event_types=frozenset({"shelling"}),
        sources=frozenset({"sn"}),
        perpetrators=frozenset({"sdf"}),
    )


def test_equal_plain_values_are_held_once() -> None:
    parts = Parts()
    first = {("country",): "SYR", ("country", "admin1"): "SYR/Idlib"}
    again = {("country",): "SYR", ("country", "admin1"): "SYR/Idlib"}
    assert parts.share(first) is first
    assert parts.share(again) is first
    assert parts.share(frozenset({"a", "b"})) == frozenset({"b", "a"})
    text = "".join(["Id", "lib"])
    assert parts.share("Idlib") == "Idlib"
    assert parts.share(text) is parts.share("Idlib")


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ({"killed": 1}, {"killed": 1.0}),
        ({"killed": 1}, {"killed": True}),
        ((1, 2), (1.0, 2)),
        (frozenset({1}), frozenset({1.0})),
        (Span(frozenset({1}), 1, 1, False), Span(frozenset({1}), 1, 1, 0)),  # type: ignore[arg-type]
    ],
)
def test_equal_values_of_other_types_are_not_confused(one: object, other: object) -> None:
    assert one == other
    parts = Parts()
    parts.share(one)
    assert repr(parts.share(other)) == repr(other)


class Colour(StrEnum):
    RED = "red"


@dataclass
class Mutable:
    value: int


def test_what_is_not_plain_is_returned_as_it_is() -> None:
    parts = Parts()
    pairs: list[tuple[object, object]] = [
        (["a"], ["a"]),
        ({"a"}, {"a"}),
        ({"a": ["b"]}, {"a": ["b"]}),
        (Mutable(1), Mutable(1)),
        ((Mutable(1),), (Mutable(1),)),
        (("red", Colour.RED), ("red", Colour.RED)),
    ]
    for first, second in pairs:
        assert parts.share(first) is first
        assert parts.share(second) is second


def test_a_subjects_parts_are_shared_and_it_stays_equal() -> None:
    parts = Parts()
    a, b = _subject("i-1"), _subject("i-2")
    shared_a = parts.fields(a, keep=("incident_id",))
    shared_b = parts.fields(b, keep=("incident_id",))
    assert shared_a == a and shared_b == b
    assert shared_b.incident_id is b.incident_id
    for name in ("feeds", "names", "keys", "figures", "tolls", "sources", "perpetrators"):
        assert getattr(shared_b, name) is getattr(shared_a, name)
    other = parts.fields(_subject("i-3", killed=7), keep=("incident_id",))
    assert other.figures == {"killed": Span(frozenset({7}), 7, 7, True)}
    assert other.tolls == frozenset({"killed=7", "source=sn"})


def test_the_table_starts_again_past_its_bound(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sharing, "MAX_SHARED", 3)
    parts = Parts()
    kept = [parts.share((n,)) for n in range(5)]
    assert [parts.share((n,)) for n in range(5)] == kept  # equal values, whatever was dropped
    assert len(parts) <= 3
