"""A brute-force oracle for the aggregator: after every input it forgets everything it
derived and recomputes each incident and every window total from the raw reports.

It shares with the engine only the documented policies it must agree with (the alert
state machine ``decide``, the clock, and the event position of a report); the counting
itself (revisions, duplicates, sources, windows, peaks, pruning) is written again here
in the most obvious way, and so is the judging of each report: the event-time guard,
report_id as the idempotency key (first versions kept whole and compared field by
field, where the engine keeps a digest), and one clock per country.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from schemas.incidents import ClassifiedIncident
from schemas.reports import ReportKind
from services.aggregator.domain.alerting import AlertState, decide, fingerprint, prune_episodes
from services.aggregator.domain.clock import Clock
from services.aggregator.domain.engine import EngineConfig
from services.aggregator.domain.incidents import Outcome, event_position
from services.aggregator.domain.rules import INCIDENTS, Rule
from services.common.eventtime import FutureReference


@dataclass(frozen=True)
class Seen:
    """What the oracle knows of one incident, recomputed from scratch."""

    position: float
    groups: dict[tuple[str, ...], str]
    report_ids: frozenset[str]
    figures: dict[str, int]


def _key(report: ClassifiedIncident) -> tuple[object, str]:
    return (report.report.reported_at, report.report.report_id)


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


class Oracle:
    def __init__(self, config: EngineConfig) -> None:
        self.config = config
        self.countries: dict[str, Country] = {}
        self.states: dict[str, AlertState] = {}
        self.unreliable = {s.casefold() for s in config.unreliable_sources}
        self.outcome: Outcome | None = None
        """The outcome of the last report processed."""

    # every incident of a country from scratch
    def incidents(self, country: str) -> dict[str, Seen]:
        newest: dict[tuple[str, str], ClassifiedIncident] = {}
        for ci in self.countries[country].kept:
            slot = (ci.report.incident_id, ci.report.source.name.casefold())
            if slot not in newest or _key(ci) > _key(newest[slot]):
                newest[slot] = ci
        by_incident: dict[str, list[ClassifiedIncident]] = {}
        for (incident_id, _), ci in newest.items():
            by_incident.setdefault(incident_id, []).append(ci)
        out = {}
        for incident_id, reports in by_incident.items():
            primary = max(reports, key=_key)
            figures = {}
            for rule in self.config.rules.rules:
                figures[rule.value_key] = self._combine(reports, rule)
            region = primary.region
            parts = {"country": region.country, "admin1": region.admin1, "admin2": region.admin2}
            out[incident_id] = Seen(
                position=_position(primary),
                groups={
                    g: "/".join(parts[f] or "?" for f in g) for g in self.config.rules.groupings
                },
                report_ids=frozenset(r.report.report_id for r in reports),
                figures=figures,
            )
        return out

    def _combine(self, reports: list[ClassifiedIncident], rule: Rule) -> int:
        if rule.measure == INCIDENTS:
            return 1
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
        self.outcome = self._judge(ci, wall)
        if self.outcome is not Outcome.APPLIED:
            return []
        country = self.countries[_country(ci)]
        changed = self.incidents(_country(ci))[ci.report.incident_id]
        country.clock.observe(changed.position, wall)
        return self._evaluate(_country(ci), ci.report.incident_id)

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
                out += self._evaluate(country, None)
        return out

    def _evaluate(self, country: str, changed: str | None) -> list[tuple[object, ...]]:
        state = self.countries[country]
        incidents = self.incidents(country)
        now = state.clock.now
        assert now is not None
        out: list[tuple[object, ...]] = []
        for rule in self.config.rules.rules:
            groups = {s.groups[rule.group_by] for s in incidents.values()}
            groups |= {
                s.group_key
                for s in self.states.values()
                if s.rule == rule.name and s.group_key.split("/")[0] == country
            }
            for group in sorted(groups):
                live = self.total(incidents, rule, group, now)
                peak = None
                inc = incidents.get(changed) if changed else None
                if (
                    inc is not None
                    and inc.groups[rule.group_by] == group
                    and inc.figures[rule.value_key] > 0
                ):
                    last = min(math.nextafter(inc.position + rule.window_seconds, -math.inf), now)
                    ends = [
                        inc.position,
                        *sorted(
                            s.position
                            for s in incidents.values()
                            if s.groups[rule.group_by] == group
                            and inc.position < s.position <= last
                        ),
                    ]
                    best = max((self.total(incidents, rule, group, e), -e) for e in ends)
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
        # forget what the engine prunes
        line = now - self.config.prune_after
        gone = {i for i, s in incidents.items() if s.position <= line}
        state.kept = [r for r in state.kept if r.report.incident_id not in gone]
        held = set(self.incidents(country))
        state.first = {
            rid: ci for rid, ci in state.first.items() if not self._forgettable(country, ci, held)
        }
        for alert in self.states.values():
            if alert.group_key.split("/")[0] == country:
                prune_episodes(alert, line)
        return out
