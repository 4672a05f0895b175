"""Groups of incidents from links (pure): which incidents count as one.

Edges come from the linker (automatic links: mutual best pairs at or above the
automatic threshold) and from analysts (``Decision``: link or unlink a pair). Groups
are built like Kruskal's algorithm: analysts' links first (in pair order), then
automatic links by falling score (then pair order); an edge joins two groups unless an
analyst unlinked a pair across them, or (automatic links only) the two groups share a
feed: a group never holds two incidents of one feed unless an analyst says so. The
result depends only on the edges, never on the order they were found in.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

Pair = tuple[str, str]
"""Two incident ids, the smaller first."""


def pair(a: str, b: str) -> Pair:
    return (a, b) if a < b else (b, a)


@dataclass(frozen=True, slots=True)
class Decision:
    """An analyst's word on a pair of incidents: one incident (link) or two (unlink)."""

    pair: Pair
    link: bool
    decided_at: float
    analyst: str = ""
    reason: str = ""

    def newer_than(self, other: Decision) -> bool:
        """The decision that stands of two about one pair: the later, an unlink on a tie."""
        return (self.decided_at, not self.link) > (other.decided_at, not other.link)


@dataclass(frozen=True, slots=True)
class Edge:
    """Why two incidents are one: an automatic link (its score and reasons) or an
    analyst's decision."""

    pair: Pair
    probability: float | None
    reasons: tuple[str, ...] = ()
    decision: Decision | None = None


def build_groups(
    nodes: Iterable[str],
    feeds: Mapping[str, frozenset[str]],
    auto: Iterable[Edge],
    decisions: Iterable[Decision],
) -> dict[str, tuple[tuple[str, ...], tuple[Edge, ...]]]:
    """Every node of a group of two or more -> (its members in id order, the edges that
    joined them). ``auto`` and ``decisions`` may name nodes outside ``nodes``: ignored."""
    members = {node: [node] for node in nodes}
    owner = {node: node for node in members}
    group_feeds = {node: set(feeds.get(node, ())) for node in members}
    joined: dict[str, list[Edge]] = {node: [] for node in members}
    forbidden = {d.pair for d in decisions if not d.link}
    links = sorted((Edge(d.pair, None, (), d) for d in decisions if d.link), key=lambda e: e.pair)
    automatic = sorted(auto, key=lambda e: (-(e.probability or 0.0), e.pair))
    for edge in (*links, *automatic):
        a, b = edge.pair
        if a not in owner or b not in owner:
            continue
        ra, rb = owner[a], owner[b]
        if ra == rb:
            continue
        if any(pair(x, y) in forbidden for x in members[ra] for y in members[rb]):
            continue
        if edge.decision is None and group_feeds[ra] & group_feeds[rb]:
            continue
        if len(members[ra]) < len(members[rb]):
            ra, rb = rb, ra
        for node in members[rb]:
            owner[node] = ra
        members[ra] += members.pop(rb)
        group_feeds[ra] |= group_feeds.pop(rb)
        joined[ra] += [*joined.pop(rb), edge]
    out: dict[str, tuple[tuple[str, ...], tuple[Edge, ...]]] = {}
    for root, group in members.items():
        if len(group) > 1:
            value = (tuple(sorted(group)), tuple(joined[root]))
            for node in group:
                out[node] = value
    return out
