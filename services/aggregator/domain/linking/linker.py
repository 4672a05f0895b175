"""The streaming linker of one country: incidents of different feeds that describe one
incident, kept up to date report by report.

``Linker.update(incident_id, subject)`` is called whenever an incident is added,
changed or dropped; ``Linker.decide(decision)`` with an analyst's decision. Both return
the incidents whose group changed, which the engine re-counts (as a revision).

What it keeps, and what one update costs (O(small): nothing is compared outside the
blocking index's few cells around the incident):

- a blocking index: (governorate, day) -> key -> incidents, the keys being its place
  names' keys, its coordinates' 0.2 degree cell and its numbers (``n#killed=7``; an
  incident that names no place is filed under its numbers alone, ``u#killed=7``), so the
  candidates of an incident are found in the buckets of its governorate (and the ones
  it is confused with), its day +/- the tolerance, under its keys, the neighbouring
  cells and, for incidents naming no place, its numbers;
- the score of every candidate pair (``scoring.score``); a pair's score depends on the
  two incidents and on how many incidents around them name the place it matched on
  (``crowd``), so each pair keeps the place counts its score used, indexed by place and
  by the incident they were counted around: an update scores the incident's own pairs
  anew and, of the pairs that used a count it is part of, scores again only those
  whose count is another now;
- each incident's best candidate per feed; a pair of mutual bests at or above the
  automatic threshold is a link (policy ``auto``);
- the groups (``groups.build_groups``) of the component around every changed link.

The result is a function of the incidents held and the decisions alone, whatever the
order they came in (the oracle computes it from scratch: tests/unit/oracle.py).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator

from services.aggregator.domain.linking.groups import Decision, Edge, Pair, build_groups, pair
from services.aggregator.domain.linking.scoring import (
    LinkPolicy,
    LinkSettings,
    Score,
    comparable,
    score_pair,
)
from services.aggregator.domain.linking.subjects import Subject

NAMED, UNNAMED = "n", "u"
CELL_DEGREES = 0.2
"""Coordinate cells of the index: 0.2 degree is at least 18 km, so the 3 x 3 cells
around a point hold every point within ``near_km`` (10 km) of it."""

CROWD_DAYS = 7
"""How far around an incident's day the incidents naming its place are counted: a place
that sees many incidents (a besieged town hit day after day) weighs less."""

Group = tuple[tuple[str, ...], tuple[Edge, ...]]
Counted = tuple[str, str, str, int, str | None]
"""A place count a score used: (incident counted around, place key, the other incident
of the pair, the count, the governorate of the incident counted around)."""


def _cell(lat: float, lon: float) -> tuple[int, int]:
    return (math.floor(lat / CELL_DEGREES), math.floor(lon / CELL_DEGREES))


def _cell_key(cell: tuple[int, int]) -> str:
    return f"@{cell[0]},{cell[1]}"


class Linker:
    def __init__(self, settings: LinkSettings) -> None:
        self.settings = settings
        self.subjects: dict[str, Subject] = {}
        self._index: dict[tuple[str | None, int], dict[str, set[str]]] = {}
        self._named: dict[tuple[str | None, str], dict[int, set[str]]] = {}
        """(governorate, place key) -> day -> the incidents naming it: the place counts."""
        self.scores: dict[str, dict[str, Score]] = {}
        """Candidate pairs with their score, both ways (not kept under policy off)."""
        self.crowd_counts: dict[Pair, tuple[Counted, ...]] = {}
        """The place counts (``crowd``) a scored pair's score used: only a change of one
        of them can change its score (when another incident names one of its places, the
        pair is scored again only if a count it used is another now)."""
        self.callers: dict[tuple[str | None, str], dict[str, set[Pair]]] = {}
        """(governorate, place key) -> incident of that governorate around which the
        place was counted -> the pairs whose score used that count (``crowd_counts`` the
        other way round)."""
        self.best: dict[str, dict[str, str]] = {}
        """incident -> feed (dataset) -> its best candidate of that feed."""
        self.auto: dict[Pair, Edge] = {}
        self._auto_of: dict[str, set[str]] = {}
        self.decisions: dict[Pair, Decision] = {}
        self._decided_of: dict[str, set[str]] = {}
        self.groups: dict[str, Group] = {}
        """incident -> its group (members, edges), for incidents in a group of two or more."""

    # -- inputs ----------------------------------------------------------------------------

    def update(self, incident_id: str, subject: Subject | None) -> set[str]:
        """An incident was added or changed (``subject``) or dropped (None): the
        incidents whose group changed."""
        old = self.subjects.get(incident_id)
        if old == subject:
            return set()
        if old is not None:
            self._unindex(old)
            del self.subjects[incident_id]
        if subject is not None:
            self.subjects[incident_id] = subject
            self._add(subject)
        seeds = {incident_id}
        if self.settings.policy is not LinkPolicy.OFF:
            counted = {p for s in (old, subject) if s is not None for p in self._counted(s)}
            feeds = {s.dataset for s in (old, subject) if s is not None}
            seeds |= self._rescore(incident_id, counted, feeds)
        return self._regroup(seeds)

    def decide(self, decision: Decision) -> set[str]:
        """An analyst's decision (the newer of two about a pair stands): the incidents
        whose group changed."""
        known = self.decisions.get(decision.pair)
        if known is not None and not decision.newer_than(known):
            return set()
        self.decisions[decision.pair] = decision
        a, b = decision.pair
        self._decided_of.setdefault(a, set()).add(b)
        self._decided_of.setdefault(b, set()).add(a)
        return self._regroup({a, b})

    def forget_decisions(self, incident_id: str) -> list[Pair]:
        """Drop the decisions about ``incident_id`` whose other incident is not held
        either (the incident was pruned); the pairs dropped."""
        if incident_id in self.subjects:
            return []
        gone = []
        mine = self._decided_of.get(incident_id, set())
        for other in sorted(mine):
            if other in self.subjects:
                continue
            key = pair(incident_id, other)
            del self.decisions[key]
            gone.append(key)
            ends = self._decided_of[other]
            ends.discard(incident_id)
            if not ends:
                del self._decided_of[other]
        mine.difference_update(other for key in gone for other in key)
        if not mine:
            self._decided_of.pop(incident_id, None)
        return gone

    # -- queries ---------------------------------------------------------------------------

    def group_of(self, incident_id: str) -> Group | None:
        return self.groups.get(incident_id)

    def suspects(self, incident_id: str) -> list[tuple[str, Score]]:
        """Candidates scored at or above the suggestion threshold that are not in the
        incident's group: suspected duplicates, best first."""
        group = self.groups.get(incident_id)
        members = group[0] if group else (incident_id,)
        threshold = self.settings.suggest_threshold
        found = [
            (other, s)
            for other, s in self.scores.get(incident_id, {}).items()
            if s.probability >= threshold and other not in members
        ]
        return sorted(found, key=lambda item: (-item[1].probability, item[0]))

    def crowd(self, subject: Subject, key: str, other: str = "") -> int:
        """How often the place with ``key`` is named around ``subject`` (its governorates,
        +/- ``CROWD_DAYS``) by incidents other than ``subject`` and ``other`` (the pair
        compared): 1, plus one per other incident naming it on the subject's own day,
        plus one per other day on which one names it."""
        count = 1
        days = set()
        mine, low, high = subject.incident_id, subject.day - CROWD_DAYS, subject.day + CROWD_DAYS
        for admin1 in self.settings.block(subject.admin1):
            named = self._named.get((admin1, key))
            if not named:
                continue
            if len(named) <= high - low + 1:
                found: Iterable[tuple[int, set[str]]] = named.items()
            else:
                found = ((day, named[day]) for day in range(low, high + 1) if day in named)
            for day, ids in found:
                if day < low or day > high:
                    continue
                others = len(ids) - (mine in ids) - (other != mine and other in ids)
                if others and day == subject.day:
                    count += others
                elif others:
                    days.add(day)
        return count + len(days)

    # -- the index -------------------------------------------------------------------------

    def _keys(self, subject: Subject) -> list[str]:
        """Where an incident is filed: its name keys, its coordinates' cell and its
        numbers ("n#killed=7"); one that names no place under its numbers only ("u#")."""
        if not subject.names:
            return [f"{UNNAMED}#{toll}" for toll in subject.tolls]
        keys = [*subject.keys, *(f"{NAMED}#{toll}" for toll in subject.tolls)]
        if subject.lat is not None and subject.lon is not None:
            keys.append(_cell_key(_cell(subject.lat, subject.lon)))
        return keys

    def _add(self, subject: Subject) -> None:
        keys = self._keys(subject)
        if subject.admin1 is None or not keys:
            return
        buckets = self._index.setdefault((subject.admin1, subject.day), {})
        for key in keys:
            buckets.setdefault(key, set()).add(subject.incident_id)
        for key in subject.keys:
            named = self._named.setdefault((subject.admin1, key), {})
            named.setdefault(subject.day, set()).add(subject.incident_id)

    def _unindex(self, subject: Subject) -> None:
        where = (subject.admin1, subject.day)
        buckets = self._index.get(where)
        if subject.admin1 is None or buckets is None:
            return
        for key in self._keys(subject):
            ids = buckets.get(key)
            if ids is not None:
                ids.discard(subject.incident_id)
                if not ids:
                    del buckets[key]
        if not buckets:
            del self._index[where]
        for key in subject.keys:
            named = self._named[(subject.admin1, key)]
            ids = named[subject.day]
            ids.discard(subject.incident_id)
            if not ids:
                del named[subject.day]
                if not named:
                    del self._named[(subject.admin1, key)]

    def _buckets(self, subject: Subject) -> Iterator[dict[str, set[str]]]:
        if subject.admin1 is None:
            return
        tolerance = self.settings.day_tolerance
        for admin1 in self.settings.block(subject.admin1):
            for day in range(subject.day - tolerance, subject.day + tolerance + 1):
                bucket = self._index.get((admin1, day))
                if bucket is not None:
                    yield bucket

    def _nearby(self, subject: Subject) -> set[str]:
        """A superset of the incidents ``near`` (``scoring``) ``subject``, any feed: those
        sharing a name key or a neighbouring cell, and those naming no place that share a
        number; for one naming no place, every one sharing a number."""
        if subject.names:
            keys = [*subject.keys, *(f"{UNNAMED}#{toll}" for toll in subject.tolls)]
            if subject.lat is not None and subject.lon is not None:
                row, column = _cell(subject.lat, subject.lon)
                keys += [_cell_key((row + i, column + j)) for i in (-1, 0, 1) for j in (-1, 0, 1)]
        else:
            keys = [f"{prefix}#{toll}" for toll in subject.tolls for prefix in (NAMED, UNNAMED)]
        found: set[str] = set()
        for bucket in self._buckets(subject):
            for key in keys:
                held = bucket.get(key)
                if held:
                    found |= held
        return found

    def _counted(self, subject: Subject) -> set[Pair]:
        """The scored pairs whose score used a place count that ``subject`` (filed under
        its governorate and day) is part of: a count of one of its places around an
        incident of its governorates (or the ones confused with them) within
        ``CROWD_DAYS`` of its day."""
        out: set[Pair] = set()
        if subject.admin1 is None:
            return out  # not filed: in no count
        for admin1 in self.settings.block(subject.admin1):
            for key in subject.keys:
                for counted_at, pairs in self.callers.get((admin1, key), {}).items():
                    around = self.subjects.get(counted_at)
                    if around is not None and abs(around.day - subject.day) <= CROWD_DAYS:
                        out |= pairs
        return out

    def candidates(self, subject: Subject) -> Iterator[Subject]:
        for other_id in self._nearby(subject):
            other = self.subjects[other_id]
            if other_id != subject.incident_id and comparable(subject, other, self.settings):
                yield other

    # -- scores, best matches, links ---------------------------------------------------------

    def _score(self, a: Subject, b: Subject) -> Score:
        """``score_pair``, noting the place counts (``crowd``) it used."""
        calls: list[Counted] = []

        def crowd(subject: Subject, key: str, other: str) -> int:
            count = self.crowd(subject, key, other)
            calls.append((subject.incident_id, key, other, count, subject.admin1))
            return count

        value = score_pair(a, b, crowd)
        self._note_counts(pair(a.incident_id, b.incident_id), tuple(calls))
        return value

    def _recounted(self, calls: tuple[Counted, ...]) -> bool:
        """Whether a place count a score used is another now."""
        return any(
            self.crowd(self.subjects[incident_id], key, other) != count
            for incident_id, key, other, count, _ in calls
        )

    def _note_counts(self, key: Pair, calls: tuple[Counted, ...]) -> None:
        """Note the place counts a pair's score used (none: the pair is forgotten)."""
        for counted_at, name, _, _, admin1 in self.crowd_counts.pop(key, ()):
            around = self.callers[(admin1, name)]
            pairs = around[counted_at]
            pairs.discard(key)
            if not pairs:
                del around[counted_at]
                if not around:
                    del self.callers[(admin1, name)]
        if calls:
            self.crowd_counts[key] = calls
            for counted_at, name, _, _, admin1 in calls:
                where = (admin1, name)
                self.callers.setdefault(where, {}).setdefault(counted_at, set()).add(key)

    def _forget_pairs(self, incident_id: str) -> set[str]:
        """Drop every scored pair of ``incident_id``; its former candidates."""
        before = self.scores.pop(incident_id, {})
        for other in before:
            partner = self.scores[other]
            del partner[incident_id]
            if not partner:
                del self.scores[other]
            self._note_counts(pair(incident_id, other), ())
        return set(before)

    def _rescore(self, incident_id: str, counted: set[Pair], feeds: set[str]) -> set[str]:
        """Bring the scores up to date after ``incident_id`` (ranked under one of
        ``feeds`` before and after) changed: its own pairs are scored anew; of the pairs
        whose score used a place count it is part of (``counted``), those for which one
        of those counts is another now. Then the best matches and links of the pairs that
        changed; the incidents whose links changed."""
        partners: dict[str, set[str]] = {}
        """incident -> the incidents its pair with which was added, dropped or changed"""
        mine = self._forget_pairs(incident_id)
        subject = self.subjects.get(incident_id)
        if subject is not None:
            scored: dict[str, Score] = {}
            for candidate in self.candidates(subject):
                value = self._score(subject, candidate)
                scored[candidate.incident_id] = value
                self.scores.setdefault(candidate.incident_id, {})[incident_id] = value
            if scored:
                self.scores[incident_id] = scored
                mine.update(scored)
        partners[incident_id] = mine
        for other in mine:
            partners[other] = {incident_id}
        for key in counted:
            if incident_id in key:
                continue  # scored anew above
            calls = self.crowd_counts.get(key)
            if calls is None or not self._recounted(calls):
                continue  # the counts it used are the same (one more on a day counted)
            one, other = key
            value = self.scores[one][other]
            new = self._score(self.subjects[one], self.subjects[other])
            if new != value:
                self.scores[one][other] = self.scores[other][one] = new
                partners.setdefault(one, set()).add(other)
                partners.setdefault(other, set()).add(one)
        return self._relink(partners, incident_id, feeds)

    def _best_in(self, incident_id: str, dataset: str) -> str | None:
        """The best candidate of ``dataset`` among all of an incident's scored pairs."""
        mark: tuple[float, str] | None = None
        for other, value in self.scores.get(incident_id, {}).items():
            if self.subjects[other].dataset == dataset and (
                mark is None or (value.probability, other) > mark
            ):
                mark = (value.probability, other)
        return None if mark is None else mark[1]

    def _new_best(
        self, incident_id: str, changed: set[str], moved: str, datasets: set[str]
    ) -> dict[str, str]:
        """An incident's best candidate per feed after its pairs with ``changed`` were
        added, dropped or re-scored (``moved`` is the incident updated, whose feed was one
        of ``datasets`` before and may be another now). Only a feed whose best pair
        changed is searched again; otherwise the best stands unless a changed pair beats it."""
        old = self.best.get(incident_id, {})
        best = dict(old)
        scores = self.scores.get(incident_id, {})
        dirty: set[str] = set()
        for other in changed:
            if other == moved:
                dirty |= datasets
            else:
                dirty.add(self.subjects[other].dataset)
        for dataset in dirty:
            held = old.get(dataset)
            pick: str | None
            if held is not None and held in changed:
                pick = self._best_in(incident_id, dataset)
            else:
                mark = None if held is None else (scores[held].probability, held)
                for other in changed:
                    value = scores.get(other)
                    if value is None or self.subjects[other].dataset != dataset:
                        continue
                    if mark is None or (value.probability, other) > mark:
                        mark = (value.probability, other)
                pick = None if mark is None else mark[1]
            if pick is None:
                best.pop(dataset, None)
            else:
                best[dataset] = pick
        return best

    def _relink(self, partners: dict[str, set[str]], moved: str, datasets: set[str]) -> set[str]:
        """New best matches of the incidents whose pairs changed (``partners``), and the
        links they make or break; the incidents whose links changed."""
        changed: set[str] = set()
        for incident_id, others in partners.items():
            best = self._new_best(incident_id, others, moved, datasets)
            old = self.best.get(incident_id, {})
            if best != old:
                changed.add(incident_id)
                changed.update(old.values())
                changed.update(best.values())
                if best:
                    self.best[incident_id] = best
                else:
                    self.best.pop(incident_id, None)
        seeds: set[str] = set()
        if self.settings.policy is not LinkPolicy.AUTO:
            return seeds
        for incident_id in changed | partners.keys():
            seeds |= self._relink_one(incident_id)
        return seeds

    def _relink_one(self, incident_id: str) -> set[str]:
        """Bring the automatic links of one incident up to date; who they touched."""
        want: dict[str, Edge] = {}
        subject = self.subjects.get(incident_id)
        if subject is not None:
            threshold = self.settings.auto_threshold
            for other in self.best.get(incident_id, {}).values():
                value = self.scores[incident_id][other]
                mutual = self.best.get(other, {}).get(subject.dataset) == incident_id
                if mutual and value.probability >= threshold:
                    key = pair(incident_id, other)
                    want[other] = Edge(key, value.probability, value.reasons)
        have = self._auto_of.get(incident_id, set())
        touched = set()
        for other in have - set(want):
            self._drop_edge(pair(incident_id, other))
            touched |= {incident_id, other}
        for other, edge in want.items():
            if self.auto.get(edge.pair) != edge:
                self.auto[edge.pair] = edge
                self._auto_of.setdefault(incident_id, set()).add(other)
                self._auto_of.setdefault(other, set()).add(incident_id)
                touched |= {incident_id, other}
        return touched

    def _drop_edge(self, key: Pair) -> None:
        del self.auto[key]
        for a, b in (key, key[::-1]):
            ends = self._auto_of[a]
            ends.discard(b)
            if not ends:
                del self._auto_of[a]

    # -- groups --------------------------------------------------------------------------------

    def _neighbours(self, incident_id: str) -> Iterable[str]:
        yield from self._auto_of.get(incident_id, ())
        for other in self._decided_of.get(incident_id, ()):
            if self.decisions[pair(incident_id, other)].link:
                yield other

    def _regroup(self, seeds: set[str]) -> set[str]:
        """Rebuild the groups of the components around ``seeds``; the incidents whose
        group's members changed."""
        if not any(
            seed in self.groups or seed in self._auto_of or seed in self._decided_of
            for seed in seeds
        ):
            return set()  # alone before and after: nothing to build
        nodes: set[str] = set()
        frontier = list(seeds)
        while frontier:
            node = frontier.pop()
            if node in nodes:
                continue
            nodes.add(node)
            old = self.groups.get(node)
            if old is not None:
                frontier.extend(old[0])
            if node in self.subjects:
                frontier.extend(self._neighbours(node))
        held = [n for n in nodes if n in self.subjects]
        auto = [self.auto[key] for key in self._pairs_among(held, self._auto_of)]
        decided = [self.decisions[key] for key in self._pairs_among(held, self._decided_of)]
        feeds = {n: self.subjects[n].feeds for n in held}
        new = build_groups(held, feeds, auto, decided)
        changed = set()
        for node in nodes:
            before, after = self.groups.get(node), new.get(node)
            if (before[0] if before else None) != (after[0] if after else None):
                changed.add(node)  # its members changed (a new score alone changes nothing)
            if after is None:
                self.groups.pop(node, None)
            else:
                self.groups[node] = after
        return changed

    @staticmethod
    def _pairs_among(nodes: list[str], ends: dict[str, set[str]]) -> set[Pair]:
        inside = set(nodes)
        return {
            pair(node, other) for node in nodes for other in ends.get(node, ()) if other in inside
        }
