"""A brute-force oracle for the aggregator: after every input it forgets everything it
derived and recomputes each incident and every window total from the raw reports.

It shares with the engine only the documented policies it must agree with (the alert
state machine ``decide``, the clock, the event position of a report, and of linking:
what is compared of an incident (``subject_of``), which pairs are candidates
(``comparable``) and their score (``score_pair``)); the counting itself (revisions,
duplicates, sources, windows, peaks, pruning) is written again here in the most obvious
way, and so is the judging of each report: the event-time guard, report_id as the
idempotency key (first versions kept whole and compared field by field, where the engine
keeps a digest), one clock per country, and linking: every pair compared with every
other (no index), how often a place is named counted by brute force, mutual bests, and
groups joined by analysts' links first, then automatic links by falling score, never
across an unlink nor (automatically) two incidents of one feed; a group counts as one
incident whose every source's figure (per member) competes.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from schemas.incidents import ClassifiedIncident
from schemas.reports import ReportKind
from services.aggregator.domain.alerting import AlertState, decide, fingerprint, prune_episodes
from services.aggregator.domain.clock import Clock
from services.aggregator.domain.engine import EngineConfig
from services.aggregator.domain.incidents import Outcome, event_position, filed_where_placed
from services.aggregator.domain.linking.groups import Decision
from services.aggregator.domain.linking.linker import CROWD_DAYS
from services.aggregator.domain.linking.scoring import LinkPolicy, comparable, score_pair
from services.aggregator.domain.linking.subjects import Subject, subject_of
from services.aggregator.domain.rules import INCIDENTS, Rule
from services.common.eventtime import FutureReference

Pair = tuple[str, str]


@dataclass(frozen=True)
class Seen:
    """What the oracle knows of one incident, recomputed from scratch."""

    position: float
    groups: dict[tuple[str, ...], str]
    report_ids: frozenset[str]
    figures: dict[str, int]
    members: tuple[str, ...] = ()


def _key(report: ClassifiedIncident) -> tuple[object, str]:
    return (report.report.reported_at, report.report.report_id)


def _pick(ci: ClassifiedIncident, rule: Rule) -> int:
    figure = ci.report.casualties.figure(rule.measure)
    assert figure is not None
    return figure.pick(rule.figure)


def _placed(ci: ClassifiedIncident) -> tuple[object, ...]:
    """Linked incidents are counted where their most precise report puts them (time:
    exact, hour, day; then place: coordinates, a place, a governorate), then the newest."""
    report, location = ci.report, ci.report.location
    time_rank = ["day", "hour", "exact"].index(report.occurred_precision.value)
    if location.lat is not None and location.lon is not None:
        place_rank = 2
    else:
        place_rank = 1 if location.place else 0
    # a report filed in another governorate than its named place lies in ranks lower
    region = ci.region
    filed = filed_where_placed(
        region.country, region.admin1, location.place, location.lat, location.lon
    )
    return (time_rank, filed, place_rank, report.reported_at, report.report_id)


def _position(ci: ClassifiedIncident) -> float:
    return event_position(ci.report.occurred_at, ci.report.occurred_precision)


def _country(ci: ClassifiedIncident) -> str:
    return ci.region.country


@dataclass
class Country:
    """Everything the oracle keeps of one country: ids and clocks never cross countries."""

    clock: Clock = field(default_factory=Clock)
    kept: list[ClassifiedIncident] = field(default_factory=list)
    summaries: list[ClassifiedIncident] = field(default_factory=list)
    first: dict[str, ClassifiedIncident] = field(default_factory=dict)
    """report_id -> the first version judged on its content."""
    decisions: dict[Pair, Decision] = field(default_factory=dict)
    """The analysts' decision that stands per pair of incidents."""


class Oracle:
    def __init__(self, config: EngineConfig) -> None:
        self.config = config
        self.countries: dict[str, Country] = {}
        self.states: dict[str, AlertState] = {}
        self.unreliable = {s.casefold() for s in config.unreliable_sources}
        self.outcome: Outcome | None = None
        """The outcome of the last report processed."""

    # every incident of a country from scratch
    def _reports(self, country: str) -> dict[str, dict[str, ClassifiedIncident]]:
        """incident -> source -> its newest report."""
        newest: dict[tuple[str, str], ClassifiedIncident] = {}
        for ci in self.countries[country].kept:
            slot = (ci.report.incident_id, ci.report.source.name.casefold())
            if slot not in newest or _key(ci) > _key(newest[slot]):
                newest[slot] = ci
        out: dict[str, dict[str, ClassifiedIncident]] = {}
        for (incident_id, source), ci in sorted(newest.items()):
            out.setdefault(incident_id, {})[source] = ci
        return out

    def _seen(self, members: tuple[str, ...], reports: list[ClassifiedIncident]) -> Seen:
        primary = max(reports, key=_key if len(members) == 1 else _placed)
        figures = {rule.value_key: self._combine(reports, rule) for rule in self.config.rules.rules}
        region = primary.region
        parts = {"country": region.country, "admin1": region.admin1, "admin2": region.admin2}
        return Seen(
            position=_position(primary),
            groups={g: "/".join(parts[f] or "?" for f in g) for g in self.config.rules.groupings},
            report_ids=frozenset(r.report.report_id for r in reports),
            figures=figures,
            members=members,
        )

    def incidents(self, country: str) -> dict[str, Seen]:
        """Every incident on its own (linked or not)."""
        return {
            incident_id: self._seen((incident_id,), list(reports.values()))
            for incident_id, reports in self._reports(country).items()
        }

    def units(self, country: str) -> dict[str, Seen]:
        """What is counted: each incident on its own, and each group of linked incidents
        as one: per rule the highest figure of any source of any member (reliable ones
        first), counted where and when that figure's report puts it; the incident count
        where the group's most precise report puts it (ids ``first member``, then
        ``first member@n`` for its further places, in time and region order)."""
        reports = self._reports(country)
        out = {}
        for members in set(self.membership(country, reports).values()):
            if len(members) == 1:
                out[members[0]] = self._seen(members, list(reports[members[0]].values()))
                continue
            slots = {
                f"{' '.join(ci.report.source.name.casefold().split())}\x1f{member}": ci
                for member in members
                for ci in reports[member].values()
            }
            out.update(self._parts(members, slots))
        return out

    def _parts(
        self, members: tuple[str, ...], slots: dict[str, ClassifiedIncident]
    ) -> dict[str, Seen]:
        groupings = self.config.rules.groupings

        def where(ci: ClassifiedIncident) -> tuple[float, tuple[str, ...]]:
            region = ci.region
            parts = {"country": region.country, "admin1": region.admin1, "admin2": region.admin2}
            return _position(ci), tuple("/".join(parts[f] or "?" for f in g) for g in groupings)

        anchor = max(slots.values(), key=_placed)
        home = where(anchor)
        figures: dict[tuple[float, tuple[str, ...]], dict[str, int]] = {home: {}}
        for rule in self.config.rules.rules:
            counted = {k: ci for k, ci in slots.items() if rule.counts.admits(ci.report)}
            if rule.measure == INCIDENTS:
                if counted:
                    first = max(counted.values(), key=_placed)
                    spot = home if first is anchor else where(first)
                    figures.setdefault(spot, {})[rule.value_key] = 1
                continue
            having = [
                (_pick(ci, rule), k, ci)
                for k, ci in counted.items()
                if ci.report.casualties.figure(rule.measure) is not None
            ]
            reliable = [
                h for h in having if h[2].report.source.name.casefold() not in self.unreliable
            ]
            if not having:
                continue
            # of equal figures, the most precisely placed report's (then the greatest key)
            value, _, chosen = max(reliable or having, key=lambda h: (h[0], _placed(h[2]), h[1]))
            spot = home if chosen is anchor else where(chosen)
            figures.setdefault(spot, {})[rule.value_key] = value
        out = {}
        ids = frozenset(ci.report.report_id for ci in slots.values())
        for n, spot in enumerate([home, *sorted(k for k in figures if k != home)]):
            values = {
                rule.value_key: figures[spot].get(rule.value_key, 0)
                for rule in self.config.rules.rules
            }
            out[members[0] if n == 0 else f"{members[0]}@{n}"] = Seen(
                position=spot[0],
                groups=dict(zip(groupings, spot[1], strict=True)),
                report_ids=ids,
                figures=values,
                members=members,
            )
        return out

    def membership(
        self, country: str, reports: dict[str, dict[str, ClassifiedIncident]] | None = None
    ) -> dict[str, tuple[str, ...]]:
        """incident -> the members of its group (just itself when not linked)."""
        reports = self._reports(country) if reports is None else reports
        decided = self.countries[country].decisions
        if self.config.linking.policy is not LinkPolicy.AUTO and not decided:
            return {i: (i,) for i in reports}
        subjects = {i: subject_of(i, r) for i, r in reports.items()}
        auto = self._links(subjects)
        links = sorted(p for p, d in decided.items() if d.link)
        forbidden = {p for p, d in decided.items() if not d.link}
        group = {i: {i} for i in subjects}
        feeds = {i: set(s.feeds) for i, s in subjects.items()}
        ordered = [(p, True) for p in links] + [(p, False) for _, p in sorted(auto)]
        for (a, b), by_analyst in ordered:
            if a not in group or b not in group or group[a] is group[b]:
                continue
            if any(tuple(sorted((x, y))) in forbidden for x in group[a] for y in group[b]):
                continue
            if not by_analyst and feeds[a] & feeds[b]:
                continue
            joined, joined_feeds = group[a] | group[b], feeds[a] | feeds[b]
            for member in joined:
                group[member], feeds[member] = joined, joined_feeds
        return {i: tuple(sorted(members)) for i, members in group.items()}

    def _links(self, subjects: dict[str, Subject]) -> list[tuple[float, Pair]]:
        """Automatic links: (-score, pair) of every mutual best pair at or above the
        automatic threshold, every pair of incidents compared."""
        settings = self.config.linking
        if settings.policy is not LinkPolicy.AUTO:
            return []
        all_ = list(subjects.values())

        def crowd(subject: Subject, key: str, other: str) -> int:
            count = 1
            block = settings.block(subject.admin1)
            for s in all_:
                if s.incident_id in (subject.incident_id, other) or key not in s.keys:
                    continue
                if s.admin1 not in block or abs(s.day - subject.day) > CROWD_DAYS:
                    continue
                count += 1 if s.day == subject.day else 0
            days = {
                s.day
                for s in all_
                if s.incident_id not in (subject.incident_id, other)
                and key in s.keys
                and s.admin1 in block
                and 0 < abs(s.day - subject.day) <= CROWD_DAYS
            }
            return count + len(days)

        scores: dict[str, dict[str, float]] = {}
        for a in all_:
            for b in all_:
                if a.incident_id < b.incident_id and comparable(a, b, settings):
                    p = score_pair(a, b, crowd).probability
                    scores.setdefault(a.incident_id, {})[b.incident_id] = p
                    scores.setdefault(b.incident_id, {})[a.incident_id] = p
        best: dict[tuple[str, str], tuple[float, str]] = {}
        for one, found in scores.items():
            for other, p in found.items():
                slot = (one, subjects[other].dataset)
                if slot not in best or (p, other) > best[slot]:
                    best[slot] = (p, other)
        out = []
        for (one, _), (p, other) in best.items():
            mutual = best[(other, subjects[one].dataset)][1] == one
            if one < other and mutual and p >= settings.auto_threshold:
                out.append((-p, (one, other)))
        return out

    def _combine(self, reports: list[ClassifiedIncident], rule: Rule) -> int:
        reports = [r for r in reports if rule.counts.admits(r.report)]  # the rule's filter
        if rule.measure == INCIDENTS:
            return 1 if reports else 0
        having = [r for r in reports if r.report.casualties.figure(rule.measure) is not None]
        reliable = [r for r in having if r.report.source.name.casefold() not in self.unreliable]
        values = [
            r.report.casualties.figure(rule.measure).pick(rule.figure)  # type: ignore[union-attr]
            for r in (reliable or having)
        ]
        return max(values, default=0)

    def total(self, incidents: dict[str, Seen], rule: Rule, group: str, end: float) -> int:
        w = rule.window_seconds
        return sum(
            s.figures[rule.value_key]
            for s in incidents.values()
            if s.groups[rule.group_by] == group and end - w < s.position <= end
        )

    # judging one report
    def _future(self, ci: ClassifiedIncident, wall: float) -> bool:
        guard = self.config.guard
        if guard is None:
            return False
        report = ci.report
        reference = (
            wall if guard.reference is FutureReference.WALL else report.reported_at.timestamp()
        )
        limit = reference + guard.skew_seconds
        return report.occurred_at.timestamp() > limit or report.reported_at.timestamp() > limit

    def _forgettable(self, country: str, first: ClassifiedIncident, held: set[str]) -> bool:
        """An id is forgotten once its first version's position is the retention behind
        the clock and its incident is not held (``held``; checked when the clock moves)."""
        now = self.countries[country].clock.now
        return (
            now is not None
            and _position(first) <= now - self._id_retention
            and first.report.incident_id not in held
        )

    @property
    def _id_retention(self) -> float:
        return max(self.config.id_retention_seconds, self.config.prune_after)

    def process(self, ci: ClassifiedIncident, wall: float) -> list[tuple[object, ...]]:
        country = _country(ci)
        before = self.membership(country) if country in self.countries else {}
        self.outcome = self._judge(ci, wall)
        if self.outcome is not Outcome.APPLIED:
            return []
        state = self.countries[country]
        changed = self.incidents(country)[ci.report.incident_id]
        state.clock.observe(changed.position, wall)
        after = self.membership(country)
        moved = {ci.report.incident_id} | {
            i for i, members in after.items() if before.get(i, (i,)) != members
        }
        return self._evaluate(country, {after[i][0] for i in moved if i in after})

    def decide(self, country: str, decision: Decision) -> list[tuple[object, ...]]:
        """An analyst's decision on two incidents of ``country``."""
        self.outcome = None
        state = self.countries.setdefault(country, Country())
        before = self.membership(country)
        known = state.decisions.get(decision.pair)
        if known is not None and not decision.newer_than(known):
            return []
        state.decisions[decision.pair] = decision
        after = self.membership(country)
        moved = {i for i, members in after.items() if before.get(i) != members}
        if not moved or state.clock.now is None:
            return []
        return self._evaluate(country, {after[i][0] for i in moved})

    def _judge(self, ci: ClassifiedIncident, wall: float) -> Outcome:
        """The report's outcome; keeps what the outcome keeps."""
        if self._future(ci, wall):
            return Outcome.FUTURE
        state = self.countries.setdefault(_country(ci), Country())
        report_id = ci.report.report_id
        first = state.first.get(report_id)
        if first is not None:
            same = first.report.model_dump(mode="json") == ci.report.model_dump(mode="json")
            return Outcome.DUPLICATE if same else Outcome.CONFLICT
        if not self._forgettable(_country(ci), ci, set(self.incidents(_country(ci)))):
            state.first[report_id] = ci
        if ci.report.kind is ReportKind.SUMMARY:
            return self._summary(state, ci)
        now = state.clock.now
        if now is not None and _position(ci) <= now - self.config.lateness_seconds:
            return Outcome.TOO_LATE
        before = self.incidents(_country(ci))
        state.kept.append(ci)
        after = self.incidents(_country(ci))
        incident_id = ci.report.incident_id
        if before.get(incident_id) == after[incident_id]:
            state.kept.pop()  # an older revision: nothing changed
            return Outcome.SUPERSEDED
        return Outcome.APPLIED

    def _summary(self, state: Country, ci: ClassifiedIncident) -> Outcome:
        def slot(s: ClassifiedIncident) -> tuple[str, str]:
            return s.report.incident_id, s.report.source.name.casefold()

        rivals = [s for s in state.summaries if slot(s) == slot(ci)]
        newest = max(rivals, key=_key, default=None)
        if newest is not None and newest.report.report_id == ci.report.report_id:
            return Outcome.DUPLICATE  # summaries are kept for good, their ids are not
        state.summaries.append(ci)
        if newest is not None and _key(newest) > _key(ci):
            return Outcome.SUPERSEDED
        return Outcome.SUMMARY

    def tick(self, wall: float) -> list[tuple[object, ...]]:
        self.outcome = None
        out: list[tuple[object, ...]] = []
        for country in sorted(self.countries):
            if self.countries[country].clock.tick(wall, self.config.idle_after_seconds):
                out += self._evaluate(country, set())
        return out

    def _evaluate(self, country: str, changed: set[str]) -> list[tuple[object, ...]]:
        state = self.countries[country]
        units = self.units(country)
        now = state.clock.now
        assert now is not None
        out: list[tuple[object, ...]] = []
        for rule in self.config.rules.rules:
            groups = {s.groups[rule.group_by] for s in units.values()}
            groups |= {
                s.group_key
                for s in self.states.values()
                if s.rule == rule.name and s.group_key.split("/")[0] == country
            }
            for group in sorted(groups):
                live = self.total(units, rule, group, now)
                peak = None
                for unit in sorted(u for u, seen in units.items() if seen.members[0] in changed):
                    inc = units[unit]  # (each place of a changed group: the highest window)
                    if inc.groups[rule.group_by] != group or inc.figures[rule.value_key] <= 0:
                        continue
                    last = min(math.nextafter(inc.position + rule.window_seconds, -math.inf), now)
                    ends = [
                        inc.position,
                        *sorted(
                            s.position
                            for s in units.values()
                            if s.groups[rule.group_by] == group
                            and inc.position < s.position <= last
                        ),
                    ]
                    best = max((self.total(units, rule, group, e), -e) for e in ends)
                    if peak is None or best > (peak[0], -peak[1]):
                        peak = (best[0], -best[1])  # highest total, earliest end
                fp = fingerprint(rule.name, group)
                alert = self.states.setdefault(fp, AlertState(rule.name, group))
                for step in decide(rule, alert, now, live, peak):
                    out.append(
                        (
                            fp,
                            step.seq,
                            step.transition.value,
                            step.level,
                            step.value,
                            step.window_end,
                            step.late,
                        )
                    )
        # forget what the engine prunes (incidents by their own position)
        line = now - self.config.prune_after
        gone = {i for i, s in self.incidents(country).items() if s.position <= line}
        state.kept = [r for r in state.kept if r.report.incident_id not in gone]
        held = set(self.incidents(country))
        for pair in sorted(state.decisions):
            a, b = pair
            if (a in gone and b not in held) or (b in gone and a not in held):
                del state.decisions[pair]
        state.first = {
            rid: ci for rid, ci in state.first.items() if not self._forgettable(country, ci, held)
        }
        for alert in self.states.values():
            if alert.group_key.split("/")[0] == country:
                prune_episodes(alert, line)
        return out
