"""A brute-force oracle for the aggregator: after every input it forgets everything it
derived and recomputes each incident and every window total from the raw reports.

It shares with the engine only the documented policies it must agree with (the alert
state machine ``decide``, the clock, and the event position of a report); the counting
itself (revisions, duplicates, sources, windows, peaks, pruning) is written again here
in the most obvious way.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from schemas.incidents import ClassifiedIncident
from schemas.reports import ReportKind
from services.aggregator.domain.alerting import AlertState, decide, fingerprint, prune_episodes
from services.aggregator.domain.clock import Clock
from services.aggregator.domain.engine import EngineConfig
from services.aggregator.domain.incidents import event_position
from services.aggregator.domain.rules import INCIDENTS, Rule


@dataclass(frozen=True)
class Seen:
    """What the oracle knows of one incident, recomputed from scratch."""

    position: float
    groups: dict[tuple[str, ...], str]
    report_ids: frozenset[str]
    figures: dict[str, int]


def _key(report: ClassifiedIncident) -> tuple[object, str]:
    return (report.report.reported_at, report.report.report_id)


class Oracle:
    def __init__(self, config: EngineConfig) -> None:
        self.config = config
        self.kept: list[ClassifiedIncident] = []
        self.clock = Clock()
        self.states: dict[str, AlertState] = {}
        self.unreliable = {s.casefold() for s in config.unreliable_sources}

    # every incident from scratch
    def incidents(self) -> dict[str, Seen]:
        newest: dict[tuple[str, str], ClassifiedIncident] = {}
        for ci in self.kept:
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
                position=event_position(
                    primary.report.occurred_at, primary.report.occurred_precision
                ),
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

    def process(self, ci: ClassifiedIncident, wall: float) -> list[tuple[object, ...]]:
        if ci.report.kind is ReportKind.SUMMARY:
            return []
        position = event_position(ci.report.occurred_at, ci.report.occurred_precision)
        if self.clock.now is not None and position <= self.clock.now - self.config.lateness_seconds:
            return []
        before = self.incidents()
        self.kept.append(ci)
        after = self.incidents()
        incident_id = ci.report.incident_id
        if before.get(incident_id) == after[incident_id]:
            self.kept.pop()  # a duplicate or an older revision: nothing changed
            return []
        changed = after[incident_id]
        self.clock.observe(changed.position, wall)
        return self._evaluate(after, incident_id)

    def tick(self, wall: float) -> list[tuple[object, ...]]:
        if not self.clock.tick(wall, self.config.idle_after_seconds):
            return []
        return self._evaluate(self.incidents(), None)

    def _evaluate(
        self, incidents: dict[str, Seen], changed: str | None
    ) -> list[tuple[object, ...]]:
        now = self.clock.now
        assert now is not None
        out: list[tuple[object, ...]] = []
        for rule in self.config.rules.rules:
            groups = {s.groups[rule.group_by] for s in incidents.values()}
            groups |= {s.group_key for s in self.states.values() if s.rule == rule.name}
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
                state = self.states.setdefault(fp, AlertState(rule.name, group))
                for step in decide(rule, state, now, live, peak):
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
        self.kept = [r for r in self.kept if r.report.incident_id not in gone]
        for state in self.states.values():
            prune_episodes(state, line)
        return out
