"""One aggregator partition's state and the rules applied to it, input by input.

``Engine.process`` takes one classified report (and the wall time, used only by the idle
clock), ``Engine.tick`` a wall-clock tick. Both return ``Effects``: what to persist (one
incident record per report, alert states only on change), which alert transitions to
publish, and the window values for gauges. ``Engine.restore`` rebuilds the derived
indexes from persisted records, so a replacing worker continues where the last one was.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from schemas.alerts import Alert
from schemas.incidents import ClassifiedIncident
from schemas.reports import ReportKind
from services.aggregator.domain.alerting import AlertState, decide, fingerprint, prune_episodes
from services.aggregator.domain.clock import Clock
from services.aggregator.domain.evidence import build_alert
from services.aggregator.domain.incidents import (
    CombinePolicy,
    IncidentView,
    Outcome,
    build_view,
    event_position,
    merge_report,
)
from services.aggregator.domain.rules import Rule, RuleSet
from services.aggregator.domain.windows import Timeline

Reports = dict[str, ClassifiedIncident]


@dataclass(frozen=True)
class EngineConfig:
    rules: RuleSet
    lateness_seconds: float = 30 * 86400
    """A report whose incident sits this far or more behind T is too late to count."""
    idle_after_seconds: float = 300.0
    unreliable_sources: frozenset[str] = frozenset()
    """Source names (case-insensitive) whose figures count only when nothing else does."""
    policy: CombinePolicy = CombinePolicy.MAX_RELIABLE
    evidence_limit: int = 20

    @property
    def prune_after(self) -> float:
        return self.lateness_seconds + self.rules.longest_window


@dataclass
class Effects:
    outcome: Outcome | None = None
    incidents: dict[str, Reports | None] = field(default_factory=dict)
    summaries: dict[str, Reports] = field(default_factory=dict)
    alerts: dict[str, AlertState] = field(default_factory=dict)
    transitions: list[Alert] = field(default_factory=list)
    windows: dict[tuple[str, str], int] = field(default_factory=dict)
    clock_moved: bool = False


class Engine:
    def __init__(self, config: EngineConfig) -> None:
        self.config = config
        self.rules = config.rules
        self._unreliable = frozenset(
            " ".join(s.casefold().split()) for s in config.unreliable_sources
        )
        self.clock = Clock()
        self.reports: dict[str, Reports] = {}
        self.views: dict[str, IncidentView] = {}
        self.summaries: dict[str, Reports] = {}
        self.alerts: dict[str, AlertState] = {}
        self.timelines: dict[tuple[str, ...], dict[str, Timeline]] = {
            g: {} for g in self.rules.groupings
        }
        self._expiry: list[tuple[float, str]] = []
        self._active: dict[str, set[str]] = {rule.name: set() for rule in self.rules.rules}

    # -- inputs ---------------------------------------------------------------------------

    def process(self, incident: ClassifiedIncident, wall: float) -> Effects:
        report = incident.report
        if report.kind is ReportKind.SUMMARY:
            return self._summary(incident)
        now = self.clock.now
        position = event_position(report.occurred_at, report.occurred_precision)
        if now is not None and position <= now - self.config.lateness_seconds:
            return Effects(outcome=Outcome.TOO_LATE)
        outcome, merged = merge_report(self.reports.get(report.incident_id, {}), incident)
        if outcome is not Outcome.APPLIED:
            return Effects(outcome=outcome)
        effects = Effects(outcome=outcome)
        old = self.views.get(report.incident_id)
        new = self._index(report.incident_id, merged)
        effects.incidents[report.incident_id] = merged
        effects.clock_moved = self.clock.observe(new.position, wall)
        touched = self._touched(old, new)
        if effects.clock_moved:
            self._touch_active(touched)
        self._evaluate(touched, new, effects)
        if effects.clock_moved:
            self._prune(effects)
        return effects

    def tick(self, wall: float) -> Effects:
        effects = Effects()
        effects.clock_moved = self.clock.tick(wall, self.config.idle_after_seconds)
        if effects.clock_moved:
            touched: dict[str, set[str]] = {rule.name: set() for rule in self.rules.rules}
            self._touch_active(touched)
            self._evaluate(touched, None, effects)
            self._prune(effects)
        return effects

    def restore(
        self,
        incidents: Iterable[tuple[str, Reports]],
        alerts: Iterable[AlertState],
        clock: Clock | None,
        summaries: Iterable[tuple[str, Reports]] = (),
    ) -> None:
        """Rebuild from persisted records (after a restart or a rebalance)."""
        for incident_id, reports in incidents:
            self._index(incident_id, reports)
        for state in alerts:
            if state.rule not in self._active:
                continue  # its rule was removed from the rules file: nothing to evaluate
            self.alerts[fingerprint(state.rule, state.group_key)] = state
            if state.level:
                self._active[state.rule].add(state.group_key)
        self.summaries.update(summaries)
        if clock is not None:
            self.clock = clock
        if self.views:
            # T is never behind an incident it has seen, even if the clock's own record
            # was not flushed before a crash while the incident's was.
            latest = max(view.position for view in self.views.values())
            if self.clock.now is None or latest > self.clock.now:
                self.clock.now = latest  # anchors untouched: no wall time is invented
        for rule in self.rules.rules:
            for key in self.timelines[rule.group_by]:
                self._active[rule.name].add(key)

    def reconcile(self) -> Effects:
        """Re-evaluate every group after a restore: an alert state whose record was lost
        in a crash (while the incidents' records were kept) is brought up to date."""
        effects = Effects()
        if self.clock.now is not None:
            touched: dict[str, set[str]] = {rule.name: set() for rule in self.rules.rules}
            self._touch_active(touched)
            self._evaluate(touched, None, effects)
        return effects

    # -- queries ----------------------------------------------------------------------------

    def window_value(self, rule: Rule, group_key: str, end: float | None = None) -> int:
        end = self.clock.now if end is None else end
        timeline = self.timelines[rule.group_by].get(group_key)
        if end is None or timeline is None:
            return 0
        return timeline.total(end, rule.window_seconds, rule.value_key)

    # -- internals --------------------------------------------------------------------------

    def _summary(self, incident: ClassifiedIncident) -> Effects:
        report = incident.report
        outcome, merged = merge_report(self.summaries.get(report.incident_id, {}), incident)
        if outcome is not Outcome.APPLIED:
            return Effects(outcome=outcome)
        self.summaries[report.incident_id] = merged
        return Effects(outcome=Outcome.SUMMARY, summaries={report.incident_id: merged})

    def _index(self, incident_id: str, reports: Reports) -> IncidentView:
        old = self.views.get(incident_id)
        if old is not None:
            for grouping, key in old.groups.items():
                self.timelines[grouping][key].remove(incident_id, old.position)
        new = build_view(
            incident_id,
            reports,
            self.rules.value_keys,
            self.rules.groupings,
            self._unreliable,
            self.config.policy,
        )
        for grouping, key in new.groups.items():
            self.timelines[grouping].setdefault(key, Timeline()).add(
                incident_id, new.position, new.values
            )
        self.reports[incident_id] = reports
        self.views[incident_id] = new
        if old is None or new.position != old.position:
            heapq.heappush(self._expiry, (new.position, incident_id))
        return new

    def _touched(self, old: IncidentView | None, new: IncidentView) -> dict[str, set[str]]:
        touched: dict[str, set[str]] = {}
        for rule in self.rules.rules:
            keys = {new.groups[rule.group_by]}
            if old is not None:
                keys.add(old.groups[rule.group_by])
            touched[rule.name] = keys
        return touched

    def _touch_active(self, touched: dict[str, set[str]]) -> None:
        for rule in self.rules.rules:
            touched[rule.name] |= self._active[rule.name]

    def _evaluate(
        self,
        touched: Mapping[str, set[str]],
        new: IncidentView | None,
        effects: Effects,
    ) -> None:
        now = self.clock.now
        assert now is not None
        for rule in self.rules.rules:
            timelines = self.timelines[rule.group_by]
            for key in sorted(touched[rule.name]):
                timeline = timelines.get(key)
                live = (
                    0
                    if timeline is None
                    else timeline.total(now, rule.window_seconds, rule.value_key)
                )
                peak = None
                if (
                    timeline is not None
                    and new is not None
                    and new.groups[rule.group_by] == key
                    and new.value(rule.value_key) > 0
                ):
                    last = min(math.nextafter(new.position + rule.window_seconds, -math.inf), now)
                    peak = timeline.peak(new.position, last, rule.window_seconds, rule.value_key)
                fp = fingerprint(rule.name, key)
                state = self.alerts.get(fp) or AlertState(rule.name, key)
                episodes_before = len(state.episodes)
                steps = decide(rule, state, now, live, peak)
                if steps or len(state.episodes) != episodes_before:
                    self.alerts[fp] = state
                    effects.alerts[fp] = state
                for step in steps:
                    effects.transitions.append(
                        build_alert(
                            rule,
                            key,
                            fp,
                            step,
                            now,
                            timeline,
                            self.views,
                            self.config.evidence_limit,
                        )
                    )
                effects.windows[(rule.name, key)] = live
                if live or state.level:
                    self._active[rule.name].add(key)
                else:
                    self._active[rule.name].discard(key)

    def _prune(self, effects: Effects) -> None:
        now = self.clock.now
        assert now is not None
        line = now - self.config.prune_after
        while self._expiry and self._expiry[0][0] <= line:
            position, incident_id = heapq.heappop(self._expiry)
            view = self.views.get(incident_id)
            if view is None or view.position != position:
                continue
            for grouping, key in view.groups.items():
                timeline = self.timelines[grouping][key]
                timeline.remove(incident_id, view.position)
                if not timeline:
                    del self.timelines[grouping][key]
            del self.views[incident_id]
            del self.reports[incident_id]
            effects.incidents[incident_id] = None
        for fp, state in self.alerts.items():
            count = len(state.episodes)
            prune_episodes(state, line)
            if len(state.episodes) != count:
                effects.alerts[fp] = state

