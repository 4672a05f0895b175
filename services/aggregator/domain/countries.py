"""The countries of one Kafka partition, each with its own engine and event-time clock.

Reports are keyed (and so partitioned) by country, and every rule groups within a
country, so a country's alerts depend only on its own reports in their order: the same
whether it shares its partition with other countries or not, and whatever the number of
partitions and workers. A report is routed to its country's engine in O(1); a tick
visits only the countries idle for ``idle_after`` (the least recently active first, so
it stops at the first busy one) and moves each one's clock, in country order.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from schemas.incidents import ClassifiedIncident
from services.aggregator.domain.alerting import AlertState
from services.aggregator.domain.clock import Clock
from services.aggregator.domain.engine import Effects, Engine, EngineConfig, Reports
from services.aggregator.domain.ids import IdEntry
from services.aggregator.domain.incidents import Outcome
from services.aggregator.domain.linking.groups import Decision


@dataclass
class _Saved:
    """One country's persisted records."""

    incidents: list[tuple[str, Reports]] = field(default_factory=list)
    alerts: list[AlertState] = field(default_factory=list)
    clock: Clock | None = None
    summaries: list[tuple[str, Reports]] = field(default_factory=list)
    ids: list[tuple[str, IdEntry]] = field(default_factory=list)
    decisions: list[Decision] = field(default_factory=list)


def country_of(group_key: str) -> str:
    """``SYR`` of ``SYR/Idlib`` (every group key starts with its country)."""
    return group_key.split("/", 1)[0]


class Countries:
    def __init__(self, config: EngineConfig) -> None:
        self.config = config
        self.engines: dict[str, Engine] = {}
        self._active: OrderedDict[str, float] = OrderedDict()
        """Countries with a clock, least recently applied report first (-> its wall)."""

    def engine(self, country: str) -> Engine:
        engine = self.engines.get(country)
        if engine is None:
            engine = self.engines[country] = Engine(self.config, country)
        return engine

    def __iter__(self) -> Iterator[Engine]:
        return iter(self.engines.values())

    def process(
        self,
        incident: ClassifiedIncident,
        wall: float,
        into: Effects | None = None,
        origin: int = -1,
    ) -> Effects:
        """``Engine.process`` on the report's country."""
        country = incident.region.country
        effects = self.engine(country).process(incident, wall, into, origin)
        if effects.outcome is Outcome.APPLIED:  # the clock's anchor moved to ``wall``
            self._active[country] = wall
            self._active.move_to_end(country)
        return effects

    def decide(self, country: str, decision: Decision, into: Effects | None = None) -> Effects:
        """``Engine.decide`` on the decision's country."""
        return self.engine(country).decide(decision, into)

    def tick(self, wall: float, into: Effects | None = None) -> Effects:
        """A wall-clock tick for every country idle for ``idle_after``, in country order.
        ``into`` as for ``process``."""
        effects = Effects() if into is None else into
        effects.outcome = effects.detail = None
        idle = []
        for country, since in self._active.items():
            if wall - since < self.config.idle_after_seconds:
                break  # every later one was active more recently
            idle.append(country)
        for country in sorted(idle):
            self.engines[country].tick(wall, effects)
        return effects

    def restore(
        self,
        incidents: Iterable[tuple[str, str, Reports]],
        alerts: Iterable[AlertState],
        clocks: Iterable[tuple[str, Clock]],
        summaries: Iterable[tuple[str, str, Reports]] = (),
        ids: Iterable[tuple[str, str, IdEntry]] = (),
        decisions: Iterable[tuple[str, Decision]] = (),
    ) -> None:
        """Rebuild every country's engine from persisted records; records carry their
        country: ``(country, id, value)`` (an alert state's country is its group's)."""
        saved: dict[str, _Saved] = {}

        def of(country: str) -> _Saved:
            return saved.setdefault(country, _Saved())

        for country, incident_id, reports in incidents:
            of(country).incidents.append((incident_id, reports))
        for state in alerts:
            of(country_of(state.group_key)).alerts.append(state)
        for country, clock in clocks:
            of(country).clock = clock
        for country, incident_id, reports in summaries:
            of(country).summaries.append((incident_id, reports))
        for country, report_id, entry in ids:
            of(country).ids.append((report_id, entry))
        for country, decision in decisions:
            of(country).decisions.append(decision)
        for country in sorted(saved):
            part = saved[country]
            self.engine(country).restore(
                part.incidents, part.alerts, part.clock, part.summaries, part.ids, part.decisions
            )
        anchored = [
            (e.clock.anchor_wall, country)
            for country, e in self.engines.items()
            if e.clock.anchor_wall is not None
        ]
        self._active = OrderedDict((country, wall) for wall, country in sorted(anchored))

    def reconcile(self) -> Effects:
        """``Engine.reconcile`` of every country, in country order."""
        effects = Effects()
        for country in sorted(self.engines):
            effects.absorb(self.engines[country].reconcile())
        return effects

    # -- views -------------------------------------------------------------------------

    def clocks(self) -> dict[str, float]:
        """Each country's event-time clock T (countries without one left out)."""
        return {c: e.clock.now for c, e in self.engines.items() if e.clock.now is not None}

    def alert_states(self) -> Iterator[AlertState]:
        for engine in self.engines.values():
            yield from engine.alerts.values()

    @property
    def incident_count(self) -> int:
        return sum(len(e.reports) for e in self.engines.values())
