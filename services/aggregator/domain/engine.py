"""One country's state and the rules applied to it, input by input.

Event time belongs to the country: every group a rule can name lies inside one country
(groupings are prefixes of country, admin1, admin2), so the country is the coarsest
grouping and its clock T closes the windows of all its groups. Nothing of one country
(clock, incidents, ids, alerts) depends on another's, so alerts do not depend on how
countries share Kafka partitions or workers (``countries.Countries`` holds a partition's
engines). Ids (report_id, incident_id) are scoped by country, the key reports are
partitioned by.

``Engine.process`` takes one classified report (and the wall time: the reference of the
future guard and of the idle clock), ``Engine.tick`` a wall-clock tick. Both return
``Effects``: what to persist (one incident record and one id entry per report, alert
states only on change), which alert transitions to publish, and the window values for
gauges. ``Engine.restore`` rebuilds the derived indexes from persisted records, so a
replacing worker continues where the last one was.

Each report is judged in this order (the outcome names the reason a report changed
nothing): from the future (``future``, see ``services.common.eventtime``); an id seen
before with the same content (``duplicate``) or other content (``conflict``); behind the
country's clock by the lateness or more (``too_late``); a summary (kept, never counted);
older than its source's current report of the incident (``superseded``); else applied.

Cost per report does not grow with window size: each *family* of rules (those sharing a
grouping and a window length) keeps every group's totals over the window ending at T up
to date (a report adds or replaces one contribution; when T moves, a schedule of exit
times yields exactly the incidents that leave), and only groups whose total changed are
evaluated. The search of past windows around a changed incident runs only for a report
behind T, and only when everything that shares a window with it could reach a level
above the one in force.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from schemas.alerts import Alert
from schemas.incidents import ClassifiedIncident
from schemas.reports import ReportKind
from services.aggregator.domain.alerting import (
    AlertState,
    decide,
    fingerprint,
    prune_episodes,
    quiet,
)
from services.aggregator.domain.clock import Clock
from services.aggregator.domain.evidence import EvidenceCache, build_alert
from services.aggregator.domain.ids import IdEntry, ReportIds, report_digest
from services.aggregator.domain.incidents import (
    CombinePolicy,
    IncidentView,
    Outcome,
    build_group_views,
    build_view,
    event_position,
    group_slots,
    merge_report,
)
from services.aggregator.domain.linking.groups import Decision, Pair
from services.aggregator.domain.linking.linker import Linker
from services.aggregator.domain.linking.scoring import LinkPolicy, LinkSettings
from services.aggregator.domain.linking.subjects import Subject, subject_of
from services.aggregator.domain.provenance import Provenance
from services.aggregator.domain.rules import Rule, RuleSet
from services.aggregator.domain.schedule import Schedule
from services.aggregator.domain.sharing import Parts
from services.aggregator.domain.windows import Timeline
from services.common.eventtime import FutureGuard, describe_seconds, iso

Reports = dict[str, ClassifiedIncident]
Key = tuple[str, str]
"""(country, id): ids are scoped by country."""
EPISODE_PRUNE_STEP = 86400.0
DEFAULT_ID_RETENTION = 365 * 86400.0


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
    guard: FutureGuard | None = None
    """Refuses reports from the future (None: no guard; the service always sets one)."""
    id_retention_seconds: float = DEFAULT_ID_RETENTION
    """How long (event time) a report_id is remembered after its report's position."""
    linking: LinkSettings = field(default_factory=lambda: LinkSettings(policy=LinkPolicy.OFF))
    """Which incidents of different feeds count as one (the service's default: auto)."""

    @property
    def prune_after(self) -> float:
        return self.lateness_seconds + self.rules.longest_window

    @property
    def remember_ids_for(self) -> float:
        """The id retention, never shorter than an incident is kept."""
        return max(self.id_retention_seconds, self.prune_after)


@dataclass
class Effects:
    """What inputs changed, keyed by (country, id) so one batch can span countries."""

    outcome: Outcome | None = None
    detail: str | None = None
    """Why the last input was refused (future, conflict, too late), for its dead letter."""
    incidents: dict[Key, Reports | None] = field(default_factory=dict)
    summaries: dict[Key, Reports] = field(default_factory=dict)
    ids: dict[Key, IdEntry | None] = field(default_factory=dict)
    alerts: dict[str, AlertState] = field(default_factory=dict)
    transitions: list[Alert] = field(default_factory=list)
    windows: dict[tuple[str, str], int] = field(default_factory=dict)
    clocks: dict[str, Clock] = field(default_factory=dict)
    """Countries whose clock record changed (T moved, or a report set its anchor)."""
    decisions: dict[tuple[str, Pair], Decision | None] = field(default_factory=dict)
    """Analysts' link decisions kept (or forgotten, None), by (country, pair)."""
    regrouped: int = 0
    """How many incidents changed group (linked or unlinked)."""

    def absorb(self, later: Effects) -> None:
        """Fold a later input's effects into these: what a batch of inputs must persist
        (the last write of each key wins) and publish (every transition, in order)."""
        self.incidents.update(later.incidents)
        self.summaries.update(later.summaries)
        self.ids.update(later.ids)
        self.alerts.update(later.alerts)
        self.transitions.extend(later.transitions)
        self.windows.update(later.windows)
        self.clocks.update(later.clocks)
        self.decisions.update(later.decisions)
        self.regrouped += later.regrouped


def _higher(a: tuple[int, float], b: tuple[int, float]) -> bool:
    """Of two past windows (value, end): the higher value, then the earlier end."""
    return (a[0], -a[1]) > (b[0], -b[1])


class _Family:
    """The rules that share a grouping and a window length: every group's totals over the
    window ending at T (one column per value key the rules sum), and when each counted
    incident leaves. Rules that differ only in their measure (the default rules do) share
    one heap entry per incident instead of one each."""

    def __init__(self, group_by: tuple[str, ...], width: float, keys: tuple[str, ...]) -> None:
        self.group_by = group_by
        self.width = width
        self.keys = keys
        self.totals: dict[str, list[int]] = {}
        self.exits: Schedule[tuple[str, str]] = Schedule()  # (group, incident) by exit
        self.counted: dict[str, tuple[float, str, tuple[int, ...]]] = {}
        """incident -> (leaves at, group, its values in ``keys`` order)"""

    def add(self, incident_id: str, group: str, vector: tuple[int, ...], leaves_at: float) -> None:
        totals = self.totals.get(group)
        if totals is None:
            self.totals[group] = list(vector)
        else:
            for index, value in enumerate(vector):
                totals[index] += value
        self.counted[incident_id] = (leaves_at, group, vector)
        self.exits.add(leaves_at, (group, incident_id))

    def discard(self, incident_id: str) -> str | None:
        """Stop counting an incident (its heap entry goes stale); its group, if counted."""
        entry = self.counted.pop(incident_id, None)
        if entry is None:
            return None
        totals = self.totals.get(entry[1])
        if totals is None:  # settled at zero meanwhile (its incidents count zero)
            totals = self.totals[entry[1]] = [0] * len(self.keys)
        for index, value in enumerate(entry[2]):
            totals[index] -= value
        return entry[1]

    def leave(self, now: float, changed: set[str]) -> None:
        """Take out the incidents whose window ended by ``now``; their groups join ``changed``."""
        counted = self.counted
        for leaves_at, leaving in self.exits.pop_until(now):
            for group, incident_id in leaving:
                entry = counted.get(incident_id)
                if entry is None or entry[0] != leaves_at or entry[1] != group:
                    continue  # stale: the incident was revised or moved since
                self.discard(incident_id)
                changed.add(group)

    def settle(self, group: str) -> None:
        """Forget a group all of whose totals are back to zero."""
        totals = self.totals.get(group)
        if totals is not None and not any(totals):
            del self.totals[group]


class Engine:
    def __init__(self, config: EngineConfig, country: str | None = None) -> None:
        self.config = config
        self.country = country
        """Learnt from the first input when not given."""
        self.rules = config.rules
        self._unreliable = frozenset(
            " ".join(s.casefold().split()) for s in config.unreliable_sources
        )
        self.clock = Clock()
        self.reports: dict[str, Reports] = {}
        self.positions: dict[str, float] = {}
        """incident -> its own position (its newest report's): what moves the clock."""
        self.views: dict[str, IncidentView] = {}
        """unit -> what it counts: an incident, or a linked group under its first member."""
        self.unit_of: dict[str, str] = {}
        """incident -> the unit it is counted in (itself unless linked)."""
        self.parts: dict[str, tuple[str, ...]] = {}
        """Linked unit -> its views (one per place and time a figure is counted at)."""
        self.linker = Linker(config.linking)
        self._linker_asleep = config.linking.policy is LinkPolicy.OFF
        """Under policy off, until an analyst's first decision the linker is not fed: it
        could link nothing (no scores are kept, no decision links), so every update would
        return no regrouped incident, at the cost of its blocking index and neighbourhood
        search per report. The first decision wakes it with every incident held (its
        state is a function of the incidents and decisions alone, whatever the order)."""
        self._provenance = Provenance(
            self.linker,
            self.reports,
            self.views,
            self.unit_of,
            self.parts,
            self._unreliable,
            config.policy,
        )
        self.summaries: dict[str, Reports] = {}
        self.alerts: dict[str, AlertState] = {}
        self.ids = ReportIds()
        self.timelines: dict[tuple[str, ...], dict[str, Timeline]] = {
            g: {} for g in self.rules.groupings
        }
        self._expiry: Schedule[str] = Schedule()  # incident ids by event position
        families: dict[tuple[tuple[str, ...], int], list[str]] = {}
        for rule in self.rules.rules:
            keys = families.setdefault((rule.group_by, rule.window_seconds), [])
            if rule.value_key not in keys:
                keys.append(rule.value_key)
        self._families = [_Family(g, w, tuple(keys)) for (g, w), keys in families.items()]
        index = {(f.group_by, f.width): i for i, f in enumerate(self._families)}
        self._placed: list[tuple[Rule, int, int]] = []
        """Each rule (in file order, the order its transitions come in), its family's
        index and its column in the family's totals."""
        for rule in self.rules.rules:
            i = index[(rule.group_by, rule.window_seconds)]
            self._placed.append((rule, i, self._families[i].keys.index(rule.value_key)))
        self._fingerprints: dict[str, dict[str, str]] = {r.name: {} for r in self.rules.rules}
        self._episodes_pruned_at = -math.inf
        self._evidence: EvidenceCache = {}
        self._parts = Parts()
        """Equal parts of the views and of the linker's subjects held once (``sharing``)."""

    # -- inputs ---------------------------------------------------------------------------

    def process(
        self,
        incident: ClassifiedIncident,
        wall: float,
        into: Effects | None = None,
        origin: int = -1,
    ) -> Effects:
        """Judge and apply one report (see the module's order of reasons). Its effects
        are added to ``into`` when given (a batch's effects, as ``Effects.absorb`` would
        fold them, without an object per input) and returned; ``outcome`` (and, when it
        was refused, ``detail``) is this report's. ``origin``: its offset on the input
        topic, named when a later copy conflicts with it."""
        effects = Effects() if into is None else into
        effects.detail = None
        report = incident.report
        if self.country is None:
            self.country = incident.region.country
        country = self.country
        guard = self.config.guard
        if guard is not None and guard.field(report, wall) is not None:
            effects.outcome = Outcome.FUTURE
            effects.detail = guard.reason(report, wall)
            return effects
        now = self.clock.now
        line = None if now is None else now - self.config.remember_ids_for
        report_id = report.report_id
        digest = report_digest(report)
        known = self.ids.get(report_id, line, self.reports)
        if known is not None:
            if known.digest == digest:
                effects.outcome = Outcome.DUPLICATE
            else:
                effects.outcome = Outcome.CONFLICT
                effects.detail = self._conflict(incident, known, digest)
            return effects
        position = event_position(report.occurred_at, report.occurred_precision)
        entry = IdEntry(digest, position, report.incident_id, origin)
        if self.ids.remember(report_id, entry, line, self.reports):
            effects.ids[(country, report_id)] = entry
        if report.kind is ReportKind.SUMMARY:
            return self._summary(incident, effects)
        if now is not None and position <= now - self.config.lateness_seconds:
            effects.outcome = Outcome.TOO_LATE
            effects.detail = (
                f"{report.occurred_at.isoformat()} ({report.occurred_precision.value} precision)"
                f" is {describe_seconds(now - position)} behind the event-time clock of "
                f"{country} ({iso(now)}); the lateness allows less than "
                f"{describe_seconds(self.config.lateness_seconds)}. History belongs in a "
                f"replay: vigil replay (or export: vigil deadletters export)"
            )
            return effects
        incident_id = report.incident_id
        effects.outcome, merged = merge_report(self.reports.get(incident_id, {}), incident)
        if effects.outcome is not Outcome.APPLIED:
            return effects
        changed: list[set[str]] = [set() for _ in self._families]
        position = self._store(incident_id, merged)
        effects.incidents[(country, incident_id)] = merged
        moved = self.clock.observe(position, wall)
        effects.clocks[country] = self.clock  # its anchor moved, and maybe T
        if moved:
            self._advance(changed)
        regrouped = self._link_update(incident_id, merged)
        effects.regrouped += len(regrouped)
        news = self._recount({incident_id, *regrouped}, changed)
        for family, groups in zip(self._families, changed, strict=True):
            for new in news:  # also when late: past windows are searched
                groups.add(new.groups[family.group_by])
        self._evaluate(changed, news, effects)
        if moved:
            self._prune(effects)
        return effects

    def decide(self, decision: Decision, into: Effects | None = None) -> Effects:
        """An analyst's decision to link or unlink two incidents of this country: counts
        move as a revision moves them (the window totals by the difference, past windows
        searched when a changed incident lies behind T). ``into`` as for ``process``."""
        effects = Effects() if into is None else into
        effects.outcome = effects.detail = None
        self._wake_linker()
        known = self.linker.decisions.get(decision.pair)
        regrouped = self.linker.decide(decision)
        if self.linker.decisions.get(decision.pair) is not known:
            effects.decisions[(self.country or "", decision.pair)] = decision
        effects.regrouped += len(regrouped)
        if regrouped and self.clock.now is not None:
            changed: list[set[str]] = [set() for _ in self._families]
            news = self._recount(regrouped, changed)
            for family, groups in zip(self._families, changed, strict=True):
                for new in news:
                    groups.add(new.groups[family.group_by])
            self._evaluate(changed, news, effects)
        elif regrouped:
            self._recount(regrouped, [set() for _ in self._families])
        return effects

    def tick(self, wall: float, into: Effects | None = None) -> Effects:
        """A wall-clock tick: on an idle stream T moves on. ``into`` as for ``process``."""
        effects = Effects() if into is None else into
        effects.outcome = effects.detail = None
        if self.country is not None and self.clock.tick(wall, self.config.idle_after_seconds):
            effects.clocks[self.country] = self.clock
            changed: list[set[str]] = [set() for _ in self._families]
            self._advance(changed)
            self._evaluate(changed, (), effects)
            self._prune(effects)
        return effects

    def restore(
        self,
        incidents: Iterable[tuple[str, Reports]],
        alerts: Iterable[AlertState],
        clock: Clock | None,
        summaries: Iterable[tuple[str, Reports]] = (),
        ids: Iterable[tuple[str, IdEntry]] = (),
        decisions: Iterable[Decision] = (),
    ) -> None:
        """Rebuild from persisted records (after a restart or a rebalance)."""
        for report_id, entry in ids:
            self.ids.remember(report_id, entry, None)  # past the line: looked up as forgotten
        for decision in decisions:
            self._wake_linker()
            self.linker.decide(decision)
        for incident_id, reports in incidents:
            self._store(incident_id, reports)
            self._link_update(incident_id, reports)
        rule_names = {rule.name for rule in self.rules.rules}
        for state in alerts:
            if state.rule not in rule_names:
                continue  # its rule was removed from the rules file: nothing to evaluate
            self.alerts[fingerprint(state.rule, state.group_key)] = state
        self.summaries.update(summaries)
        if clock is not None:
            self.clock = clock
        if self.positions:
            # T is never behind an incident it has seen, even if the clock's own record
            # was not flushed before a crash while the incident's was.
            latest = max(self.positions.values())
            if self.clock.now is None or latest > self.clock.now:
                self.clock.now = latest  # anchors untouched: no wall time is invented
        changed: list[set[str]] = [set() for _ in self._families]
        self._recount(set(self.reports), changed)

    def reconcile(self) -> Effects:
        """Re-evaluate every group after a restore: an alert state whose record was lost
        in a crash (while the incidents' records were kept) is brought up to date."""
        effects = Effects()
        if self.clock.now is not None:
            changed = [set(family.totals) for family in self._families]
            alerted: dict[str, set[str]] = {}
            for state in self.alerts.values():
                alerted.setdefault(state.rule, set()).add(state.group_key)
            self._evaluate(changed, (), effects, alerted)
        return effects

    # -- queries ----------------------------------------------------------------------------

    def window_value(self, rule: Rule, group_key: str, end: float | None = None) -> int:
        end = self.clock.now if end is None else end
        timeline = self.timelines[rule.group_by].get(group_key)
        if end is None or timeline is None:
            return 0
        return timeline.total(end, rule.window_seconds, rule.value_key)

    # -- internals --------------------------------------------------------------------------

    def _summary(self, incident: ClassifiedIncident, effects: Effects) -> Effects:
        report = incident.report
        outcome, merged = merge_report(self.summaries.get(report.incident_id, {}), incident)
        effects.outcome = outcome
        if outcome is Outcome.APPLIED:
            effects.outcome = Outcome.SUMMARY
            self.summaries[report.incident_id] = merged
            effects.summaries[(self.country or "", report.incident_id)] = merged
        return effects

    def _incident_position(self, incident_id: str) -> float | None:
        return self.positions.get(incident_id)

    def _conflict(self, incident: ClassifiedIncident, known: IdEntry, digest: str) -> str:
        """Why a copy with other content under a known report_id is refused, naming both
        versions: the first by its digest and input offset (and, while the engine still
        holds it as its incident's current report, the fields that differ)."""
        report = incident.report
        where = f", first seen at input offset {known.origin}" if known.origin >= 0 else ""
        text = (
            f"report_id {report.report_id!r} was already accepted in {self.country} with "
            f"other content (first version: incident {known.incident_id}, digest "
            f"{known.digest}{where}; this copy: digest {digest})"
        )
        held = [
            *self.reports.get(known.incident_id, {}).values(),
            *self.summaries.get(known.incident_id, {}).values(),
        ]
        first = next((h.report for h in held if h.report.report_id == report.report_id), None)
        if first is not None:
            differ = [
                f"{name} {getattr(first, name)!s:.60} -> {getattr(report, name)!s:.60}"
                for name in type(report).model_fields
                if getattr(first, name) != getattr(report, name)
            ]
            text += "; differs in " + "; ".join(differ)
        return text + ". A corrected report needs a new report_id (the same incident_id)"

    def _store(self, incident_id: str, reports: Reports) -> float:
        """Keep an incident's reports; its own position (its newest report's)."""
        primary = max(reports.values(), key=lambda r: (r.report.reported_at, r.report.report_id))
        position = event_position(primary.report.occurred_at, primary.report.occurred_precision)
        old = self.positions.get(incident_id)
        self.reports[incident_id] = reports
        self.positions[incident_id] = position
        if old is None or position != old:
            self._expiry.add(position, incident_id)
        return position

    def _link_update(self, incident_id: str, reports: Reports | None) -> set[str]:
        """The linker told of an added or changed incident (or a dropped one, None): the
        incidents whose group changed (none while it sleeps)."""
        if self._linker_asleep:
            return set()
        subject = None if reports is None else self._subject(incident_id, reports)
        return self.linker.update(incident_id, subject)

    def _subject(self, incident_id: str, reports: Reports) -> Subject:
        """The linker's subject of an incident, its parts shared with equal ones held
        (a subject's sets and figures are most of what the linker keeps per incident)."""
        return self._parts.fields(subject_of(incident_id, reports), keep=("incident_id",))

    def _wake_linker(self) -> None:
        """Feed a sleeping linker every incident held (before a decision reaches it)."""
        if not self._linker_asleep:
            return
        self._linker_asleep = False
        for incident_id, reports in self.reports.items():
            self.linker.update(incident_id, self._subject(incident_id, reports))

    def _recount(self, incidents: Iterable[str], changed: list[set[str]]) -> list[IncidentView]:
        """Count anew the units of ``incidents`` (changed, or regrouped by the linker):
        their old views leave every family and timeline, their views now are built and
        counted (a revision of each). The new views."""
        pending = set(incidents)
        for unit in {self.unit_of.get(i, i) for i in pending}:
            for part in self.parts.pop(unit, (unit,)):
                view = self.views.pop(part, None)
                if view is None:
                    continue
                pending.update(view.members)
                for family, groups in zip(self._families, changed, strict=True):
                    group = family.discard(part)
                    if group is not None:
                        groups.add(group)
                for grouping, key in view.groups.items():
                    timeline = self.timelines[grouping][key]
                    timeline.remove(part, view.position)
                    if not timeline:
                        del self.timelines[grouping][key]
                for member in view.members:
                    self.unit_of.pop(member, None)
        news: list[IncidentView] = []
        done: set[str] = set()
        for incident_id in sorted(pending):
            if incident_id in done or incident_id not in self.reports:
                continue
            linked = self.linker.group_of(incident_id)
            members = linked[0] if linked else (incident_id,)
            done.update(members)
            views = self._unit(members)
            if len(members) > 1:
                for member in members[1:]:
                    self.unit_of[member] = members[0]
                self.parts[members[0]] = tuple(v.incident_id for v in views)
            share = self._parts.share
            for view in views:
                view.groups = share(view.groups)  # the region's: held once
                view.values = share(view.values)
                self.views[view.incident_id] = view
                for grouping, key in view.groups.items():
                    timelines = self.timelines[grouping]
                    if key not in timelines:
                        timelines[key] = Timeline()
                    timelines[key].add(view.incident_id, view.position, view.values)
                if self.clock.now is not None:
                    self._count(view, changed)
                news.append(view)
        return news

    def _unit(self, members: tuple[str, ...]) -> list[IncidentView]:
        """The view of an incident, or the views of linked incidents counted as one (per
        measure the policy over every source of every member, each its own figure,
        counted where its report puts it: ``build_group_views``)."""
        if len(members) == 1:
            view = build_view(
                members[0],
                self.reports[members[0]],
                self.rules.value_specs,
                self.rules.groupings,
                self._unreliable,
                self.config.policy,
            )
            return [view]
        return build_group_views(
            members[0],
            group_slots({m: self.reports[m] for m in members}),
            self.rules.value_specs,
            self.rules.groupings,
            self._unreliable,
            self.config.policy,
            members,
        )

    def _count(self, view: IncidentView, changed: list[set[str]]) -> None:
        """Count ``view`` in every family whose window at T holds it."""
        now = self.clock.now
        assert now is not None
        position, values = view.position, view.values
        for family, groups in zip(self._families, changed, strict=True):
            if now - family.width < position <= now:
                group = view.groups[family.group_by]
                vector = tuple([values.get(key, 0) for key in family.keys])
                family.add(view.incident_id, group, vector, position + family.width)
                groups.add(group)

    def _advance(self, changed: list[set[str]]) -> None:
        """T moved: take out of each family's totals the incidents that left its window."""
        now = self.clock.now
        assert now is not None
        for family, groups in zip(self._families, changed, strict=True):
            family.leave(now, groups)

    @property
    def _linking(self) -> bool:
        """Whether evidence can hold links or suspects (else it is built without)."""
        return self.config.linking.policy is not LinkPolicy.OFF or bool(self.linker.decisions)

    def _fingerprint(self, rule: str, key: str) -> str:
        known = self._fingerprints[rule]
        fp = known.get(key)
        if fp is None:
            fp = known[key] = fingerprint(rule, key)
        return fp

    def _evaluate(
        self,
        changed: list[set[str]],
        news: Iterable[IncidentView],
        effects: Effects,
        alerted: Mapping[str, set[str]] | None = None,
    ) -> None:
        """Decide every rule for the groups in ``changed`` (per family) and, per rule, in
        ``alerted``; rules in file order, groups in sorted order."""
        now = self.clock.now
        assert now is not None
        ordered = [sorted(groups) for groups in changed]
        windows = effects.windows
        behind = [new for new in news if new.position < now]  # only these can raise a past window
        for rule, index, column in self._placed:
            family = self._families[index]
            totals = family.totals
            keys = ordered[index]
            if alerted is not None and rule.name in alerted:
                keys = sorted(set(keys) | alerted[rule.name])
            late: dict[str, list[IncidentView]] = {}
            for new in behind:
                late.setdefault(new.groups[rule.group_by], []).append(new)
            first = rule.levels[0].threshold
            for key in keys:
                row = totals.get(key)
                live = 0 if row is None else row[column]
                fp = self._fingerprint(rule.name, key)
                known = self.alerts.get(fp)
                level = 0 if known is None else known.level
                peak = None
                for new in late.get(key, ()):  # the highest past window around any of them
                    found = self._peak(rule, key, new, level, live)
                    if found is not None and (peak is None or _higher(found, peak)):
                        peak = found
                if peak is None and (live < first if level == 0 else quiet(rule, known, live)):
                    windows[(rule.name, key)] = live  # nothing to decide: no step, no change
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
                            self._provenance if self._linking else None,
                        )
                    )
                windows[(rule.name, key)] = live
        for family, keys in zip(self._families, ordered, strict=True):
            for key in keys:
                family.settle(key)

    def _peak(
        self, rule: Rule, key: str, new: IncidentView, level: int, live: int
    ) -> tuple[int, float] | None:
        """The highest past window around ``new``, or None when no window could reach a
        level above the one in force (then ``decide`` would announce nothing anyway)."""
        now = self.clock.now
        assert now is not None
        if new.position >= now or new.value(rule.value_key) <= 0:
            # At T (a report in event-time order) every window holding the incident that
            # ends by T is the live one: nothing in the past to find.
            return None
        held = max(level, rule.level_for(live, level))
        if held >= len(rule.levels):
            return None  # the top level is in force: no past window can announce more
        timeline = self.timelines[rule.group_by][key]
        width = rule.window_seconds
        last = min(math.nextafter(new.position + width, -math.inf), now)
        # Everything that shares a window with the incident bounds every such window.
        # When the windows reach T that is the live total plus the (short) stretch before
        # the live window.
        if last == now:
            low = new.position - width
            extra = (
                timeline.sum_between(low, now - width, rule.value_key) if low < now - width else 0
            )
            bound = live + extra
        else:
            bound = timeline.sum_between(new.position - width, last, rule.value_key)
        if rule.fire_level(bound) <= held:
            return None
        return timeline.peak(new.position, last, width, rule.value_key)

    def _prune(self, effects: Effects) -> None:
        now = self.clock.now
        assert now is not None
        country = self.country or ""
        line = now - self.config.prune_after
        gone: list[str] = []
        for position, due in self._expiry.pop_until(line):
            for incident_id in sorted(due):
                if self.positions.get(incident_id) != position:
                    continue  # pruned already, or moved since
                del self.reports[incident_id]
                del self.positions[incident_id]
                effects.incidents[(country, incident_id)] = None
                gone.append(incident_id)
        if gone:
            regrouped = set(gone)
            for incident_id in gone:
                regrouped |= self._link_update(incident_id, None)
            for incident_id in gone:
                for key in self.linker.forget_decisions(incident_id):
                    effects.decisions[(country, key)] = None
            before = {
                part
                for i in regrouped
                for part in self.parts.get(self.unit_of.get(i, i), (self.unit_of.get(i, i),))
            }
            # behind every window: counted again without a decision (nothing live changes)
            self._recount(regrouped, [set() for _ in self._families])
            for part in before:
                if part in self.views:
                    continue  # still counted (a set of every view per prune was O(views))
                for rule in self.rules.rules:
                    self._evidence.pop((rule.name, part), None)
        for report_id in self.ids.forget_until(
            now - self.config.remember_ids_for, self._incident_position
        ):
            effects.ids[(country, report_id)] = None
        if line - self._episodes_pruned_at >= EPISODE_PRUNE_STEP:
            # Forgotten episodes can no longer overlap a window any accepted report falls
            # in, so when they are forgotten does not change a decision: do it daily.
            self._episodes_pruned_at = line
            for fp, state in self.alerts.items():
                count = len(state.episodes)
                prune_episodes(state, line)
                if len(state.episodes) != count:
                    effects.alerts[fp] = state
