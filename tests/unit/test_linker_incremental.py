"""The linker kept up to date report by report equals one built from scratch.

``Linker.update`` re-scores only what a change can reach: the changed incident's own
pairs, and of the pairs of the incidents naming its places, those whose score counted
one of them. Whatever the order of additions, changes and drops, the scores, best
matches, automatic links and groups must equal those of a linker fed only the incidents
held at the end (in any order), and its bookkeeping (the place keys each score counted)
must hold exactly the pairs scored.
"""

from __future__ import annotations

import random

from hypothesis import given, settings
from hypothesis import strategies as st

from services.aggregator.domain.linking.linker import Linker
from services.aggregator.domain.linking.places import key_of
from services.aggregator.domain.linking.scoring import LinkPolicy, LinkSettings
from services.aggregator.domain.linking.subjects import Span, Subject

IDS = [f"i{n}" for n in range(8)]
FEEDS = ["airwars", "ucdp", "wire"]
REGIONS = ["Damascus", "Rif Dimashq", "Idlib", None]
NAMES = ["douma", "duma", "harasta", "saraqib", "saraqeb", "sarmin", "al bab"]
POINTS = [None, (33.57, 36.40), (33.58, 36.41), (35.84, 36.63)]
TYPES = ["air_strike", "shelling", "protest", "drone_strike"]
SOURCES = ["white helmets", "sohr", "airwars", "ucdp"]


@st.composite
def spans(draw: st.DrawFn) -> dict[str, Span]:
    out = {}
    for measure in draw(st.sets(st.sampled_from(["killed", "children_killed"]), max_size=2)):
        low = draw(st.integers(0, 6))
        high = low + draw(st.sampled_from([0, 0, 2]))
        out[measure] = Span(frozenset({low, high}), low, high, draw(st.booleans()))
    return out


@st.composite
def subjects(draw: st.DrawFn, incident_id: str) -> Subject:
    feeds = frozenset(draw(st.sets(st.sampled_from(FEEDS), min_size=1, max_size=2)))
    names = tuple(draw(st.lists(st.sampled_from(NAMES), max_size=2, unique=True)))
    point = draw(st.sampled_from(POINTS))
    figures = draw(spans())
    sources = frozenset(draw(st.sets(st.sampled_from(SOURCES), max_size=2)))
    return Subject(
        incident_id=incident_id,
        feeds=feeds,
        dataset=min(feeds),
        day=draw(st.integers(0, 9)),
        admin1=draw(st.sampled_from(REGIONS)),
        admin2=draw(st.sampled_from([None, None, "duma", "markaz idlib"])),
        names=names,
        keys=frozenset(key_of(n) for n in names),
        lat=None if point is None else point[0],
        lon=None if point is None else point[1],
        stated=draw(st.booleans()),
        population=draw(st.sampled_from([0, 0, 120_000, 2_000_000])),
        figures=figures,
        tolls=frozenset(
            [f"{m}={n}" for m, span in figures.items() for n in span.values if n]
            + [f"source={s}" for s in sources]
        ),
        event_types=frozenset(draw(st.sets(st.sampled_from(TYPES), max_size=2))),
        sources=sources,
        perpetrators=frozenset(draw(st.sets(st.sampled_from(["russia", "sdf"]), max_size=1))),
    )


@st.composite
def histories(draw: st.DrawFn) -> list[tuple[str, Subject | None]]:
    steps = []
    for _ in range(draw(st.integers(1, 40))):
        incident_id = draw(st.sampled_from(IDS))
        gone = draw(st.integers(0, 5)) == 0
        steps.append((incident_id, None if gone else draw(subjects(incident_id))))
    return steps


def state(linker: Linker) -> tuple[object, ...]:
    return (linker.scores, linker.best, linker.auto, linker.groups)


@settings(max_examples=300, deadline=None)
@given(histories(), st.sampled_from([LinkPolicy.AUTO, LinkPolicy.SUGGEST]), st.randoms())
def test_updates_in_any_order_equal_a_linker_built_from_scratch(
    history: list[tuple[str, Subject | None]], policy: LinkPolicy, rng: random.Random
) -> None:
    link_settings = LinkSettings(policy=policy, auto_threshold=0.8, day_tolerance=1)
    live = Linker(link_settings)
    for incident_id, subject in history:
        live.update(incident_id, subject)
    held = list(live.subjects.values())
    rng.shuffle(held)
    fresh = Linker(link_settings)
    for subject in held:
        fresh.update(subject.incident_id, subject)
    assert state(live) == state(fresh)
    # the bookkeeping: every scored pair's counted keys, and nothing else
    pairs = {tuple(sorted((a, b))) for a, found in live.scores.items() for b in found}
    assert set(live.crowd_counts) <= pairs
    callers: dict[tuple[str | None, str], dict[str, set[tuple[str, str]]]] = {}
    for key, calls in live.crowd_counts.items():
        for counted_at, name, _, _, admin1 in calls:
            assert admin1 == live.subjects[counted_at].admin1
            callers.setdefault((admin1, name), {}).setdefault(counted_at, set()).add(key)
    assert live.callers == callers
    assert live.crowd_counts == fresh.crowd_counts


def test_a_place_named_again_rescores_the_pairs_that_counted_it() -> None:
    """A third incident naming Douma the same day lowers the weight of the name in the
    score of a pair matched on it (the pair itself did not change)."""

    def subject(incident_id: str, feed: str, names: tuple[str, ...]) -> Subject:
        return Subject(
            incident_id=incident_id,
            feeds=frozenset({feed}),
            dataset=feed,
            day=5,
            admin1="Rif Dimashq",
            admin2=None,
            names=names,
            keys=frozenset(key_of(n) for n in names),
            lat=None,
            lon=None,
            stated=False,
            population=0,
            figures={},
            tolls=frozenset(),
            event_types=frozenset({"air_strike"}),
            sources=frozenset(),
            perpetrators=frozenset(),
        )

    linker = Linker(LinkSettings(policy=LinkPolicy.AUTO))
    linker.update("a", subject("a", "airwars", ("douma",)))
    linker.update("b", subject("b", "ucdp", ("duma",)))
    before = linker.scores["a"]["b"].probability
    linker.update("c", subject("c", "airwars", ("douma",)))  # same feed as a: no pair a-c
    after = linker.scores["a"]["b"].probability
    assert after < before
    linker.update("c", None)
    assert linker.scores["a"]["b"].probability == before
