"""One aggregator partition's state and the rules applied to it, input by input.

``Engine.process`` takes one classified report (and the wall time, used only by the idle
clock), ``Engine.tick`` a wall-clock tick. Both return ``Effects``: what to persist (one
incident record per report, alert states only on change), which alert transitions to
publish, and the window values for gauges. ``Engine.restore`` rebuilds the derived
indexes from persisted records, so a replacing worker continues where the last one was.

Cost per report does not grow with window size: each rule keeps every group's total over
the window ending at T up to date (a report adds or replaces one contribution; when T
moves, a heap of exit times yields exactly the incidents that leave), and only groups
whose total changed are evaluated. The search of past windows around a changed incident
runs only when everything that shares a window with it could reach a level above the one
in force, which it never does for a report in event-time order.
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
from services.aggregator.domain.evidence import EvidenceCache, build_alert
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
EPISODE_PRUNE_STEP = 86400.0


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

    def absorb(self, later: Effects) -> None:
        """Fold a later input's effects into these: what a batch of inputs must persist
        (the last write of each key wins) and publish (every transition, in order)."""
        self.incidents.update(later.incidents)
        self.summaries.update(later.summaries)
        self.alerts.update(later.alerts)
        self.transitions.extend(later.transitions)
        self.windows.update(later.windows)
        self.clock_moved = self.clock_moved or later.clock_moved


class _Live:
    """One rule's window totals at T per group, and when each counted incident leaves."""

    def __init__(self) -> None:
        self.totals: dict[str, int] = {}
        self.exits: list[tuple[float, str, str]] = []  # heap of (leaves at, group, incident)
        self.counted: dict[str, tuple[float, str]] = {}  # incident -> (leaves at, group)

    def add(self, incident_id: str, group: str, value: int, leaves_at: float) -> None:
        self.totals[group] = self.totals.get(group, 0) + value
        entry = (leaves_at, group)
        self.counted[incident_id] = entry
        heapq.heappush(self.exits, (leaves_at, group, incident_id))

    def discard(self, incident_id: str, value: int) -> str | None:
        """Stop counting an incident (its heap entry goes stale); its group, if counted."""
        entry = self.counted.pop(incident_id, None)
        if entry is None:
            return None
        self.totals[entry[1]] = self.totals.get(entry[1], 0) - value
        return entry[1]


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
        self._live: dict[str, _Live] = {rule.name: _Live() for rule in self.rules.rules}
        self._episodes_pruned_at = -math.inf
        self._evidence: EvidenceCache = {}

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
        changed: dict[str, set[str]] = {rule.name: set() for rule in self.rules.rules}
        old = self.views.get(report.incident_id)
        if old is not None:
            for rule in self.rules.rules:
                group = self._live[rule.name].discard(old.incident_id, old.value(rule.value_key))
                if group is not None:
                    changed[rule.name].add(group)
        new = self._index(report.incident_id, merged)
        effects.incidents[report.incident_id] = merged
        effects.clock_moved = self.clock.observe(new.position, wall)
        if effects.clock_moved:
            self._advance(changed)
        self._count(new, changed)
        for rule in self.rules.rules:  # also when late: its past windows are searched
            changed[rule.name].add(new.groups[rule.group_by])
        self._evaluate(changed, new, effects)
        if effects.clock_moved:
            self._prune(effects)
        return effects

    def tick(self, wall: float) -> Effects:
        effects = Effects()
        effects.clock_moved = self.clock.tick(wall, self.config.idle_after_seconds)
        if effects.clock_moved:
            changed: dict[str, set[str]] = {rule.name: set() for rule in self.rules.rules}
            self._advance(changed)
            self._evaluate(changed, None, effects)
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
            if state.rule not in self._live:
                continue  # its rule was removed from the rules file: nothing to evaluate
            self.alerts[fingerprint(state.rule, state.group_key)] = state
        self.summaries.update(summaries)
        if clock is not None:
            self.clock = clock
        if self.views:
            # T is never behind an incident it has seen, even if the clock's own record
            # was not flushed before a crash while the incident's was.
            latest = max(view.position for view in self.views.values())
            if self.clock.now is None or latest > self.clock.now:
                self.clock.now = latest  # anchors untouched: no wall time is invented
        changed: dict[str, set[str]] = {rule.name: set() for rule in self.rules.rules}
        for view in self.views.values():
            self._count(view, changed)

    def reconcile(self) -> Effects:
        """Re-evaluate every group after a restore: an alert state whose record was lost
        in a crash (while the incidents' records were kept) is brought up to date."""
        effects = Effects()
        if self.clock.now is not None:
            groups = {
                rule.name: set(self._live[rule.name].totals)
                | {s.group_key for s in self.alerts.values() if s.rule == rule.name}
                for rule in self.rules.rules
            }
            self._evaluate(groups, None, effects)
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

    def _count(self, view: IncidentView, changed: dict[str, set[str]]) -> None:
        """Count ``view`` in every rule whose window at T holds it."""
        now = self.clock.now
        assert now is not None
        for rule in self.rules.rules:
            if now - rule.window_seconds < view.position <= now:
                group = view.groups[rule.group_by]
                leaves_at = view.position + rule.window_seconds
                self._live[rule.name].add(
                    view.incident_id, group, view.value(rule.value_key), leaves_at
                )
                changed[rule.name].add(group)

    def _advance(self, changed: dict[str, set[str]]) -> None:
        """T moved: take out of each rule's totals the incidents that left its window."""
        now = self.clock.now
        assert now is not None
        for rule in self.rules.rules:
            live = self._live[rule.name]
            exits = live.exits
            while exits and exits[0][0] <= now:
                leaves_at, group, incident_id = heapq.heappop(exits)
                if live.counted.get(incident_id) != (leaves_at, group):
                    continue  # stale: the incident was revised or moved since
                live.discard(incident_id, self.views[incident_id].value(rule.value_key))
                changed[rule.name].add(group)

    def _evaluate(
        self,
        changed: Mapping[str, set[str]],
        new: IncidentView | None,
        effects: Effects,
    ) -> None:
        now = self.clock.now
        assert now is not None
        for rule in self.rules.rules:
            totals = self._live[rule.name].totals
            for key in sorted(changed[rule.name]):
                live = totals.get(key, 0)
                fp = fingerprint(rule.name, key)
                known = self.alerts.get(fp)
                level = known.level if known is not None else 0
                peak = None
                if new is not None and new.groups[rule.group_by] == key:
                    peak = self._peak(rule, key, new, level, live)
                if peak is None and rule.level_for(live, level) == level:
                    # nothing to decide (``decide`` would return no step, change nothing)
                    effects.windows[(rule.name, key)] = live
                    if not live:
                        totals.pop(key, None)
                    continue
                state = known or AlertState(rule.name, key)
                episodes_before = len(state.episodes)
                steps = decide(rule, state, now, live, peak)
                if steps or len(state.episodes) != episodes_before:
                    self.alerts[fp] = state
                    effects.alerts[fp] = state
                timeline = self.timelines[rule.group_by].get(key)
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
                            self._evidence,
                        )
                    )
                effects.windows[(rule.name, key)] = live
                if not live:
                    totals.pop(key, None)

    def _peak(
        self, rule: Rule, key: str, new: IncidentView, level: int, live: int
    ) -> tuple[int, float] | None:
        """The highest past window around ``new``, or None when no window could reach a
        level above the one in force (then ``decide`` would announce nothing anyway)."""
        if new.value(rule.value_key) <= 0:
            return None
        now = self.clock.now
        assert now is not None
        timeline = self.timelines[rule.group_by][key]
        width = rule.window_seconds
        last = min(math.nextafter(new.position + width, -math.inf), now)
        # Everything that shares a window with the incident bounds every such window.
        # When the windows reach T that is the live total plus the (short) stretch before
        # the live window; for a report in event-time order, just the live total.
        if last == now:
            low = new.position - width
            extra = (
                timeline.sum_between(low, now - width, rule.value_key) if low < now - width else 0
            )
            bound = live + extra
        else:
            bound = timeline.sum_between(new.position - width, last, rule.value_key)
        if rule.fire_level(bound) <= max(level, rule.level_for(live, level)):
            return None
        return timeline.peak(new.position, last, width, rule.value_key)

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
            for rule in self.rules.rules:
                self._evidence.pop((rule.name, incident_id), None)
            effects.incidents[incident_id] = None
        if line - self._episodes_pruned_at >= EPISODE_PRUNE_STEP:
            # Forgotten episodes can no longer overlap a window any accepted report falls
            # in, so when they are forgotten does not change a decision: do it daily.
            self._episodes_pruned_at = line
            for fp, state in self.alerts.items():
                count = len(state.episodes)
                prune_episodes(state, line)
                if len(state.episodes) != count:
                    effects.alerts[fp] = state
