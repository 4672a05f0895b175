"""One linkage-evaluation run: reports through the aggregator's engine, in-process.

The reports are classified as the classifier does (gazetteer, severity), merged in
event-time order as ``vigil replay`` merges files (``replay.logic.prepare``: "future"
judged against each report's own reported_at), and processed by the aggregator's engine
(``Countries``) with the aggregator's settings, the linking policy of the run, and a
lateness long enough that nothing is pruned (so every governorate-day can be read off
the engine's timelines at the end). No broker: the engine is exactly the service's.
"""

from __future__ import annotations

import csv
import time
from collections.abc import Iterable
from dataclasses import dataclass, replace
from pathlib import Path
from types import ModuleType

from schemas.incidents import ClassifiedIncident
from schemas.reports import IncidentReport
from services.aggregator.domain.countries import Countries
from services.aggregator.domain.engine import Engine, EngineConfig
from services.aggregator.domain.linking.scoring import LinkPolicy
from services.aggregator.domain.rules import load_rules
from services.aggregator.settings import AggregatorSettings
from services.classifier.logic import classify, load_severity
from services.classifier.settings import ClassifierSettings
from services.common.eventtime import FutureReference
from services.common.gazetteer import Gazetteer
from tools.importers.fields import Rejected
from tools.replay.logic import FileResult, Input, collect, prepare

Crossings = dict[tuple[str, str, str], int]
"""(rule, governorate, day) -> the highest level its 24 h window reached (1-based)."""
CENTURY = 100 * 365 * 86400.0


def read(module: ModuleType, path: Path, layout: str) -> list[IncidentReport]:
    with path.open(newline="", encoding="utf-8-sig") as handle:
        results = list(module.rows_to_reports(csv.DictReader(handle)))
    return [r for r in results if not isinstance(r, Rejected)]


def config(policy: LinkPolicy, rules_file: Path | None = None) -> EngineConfig:
    """The aggregator's engine configuration with ``policy``, judged as a replay is."""
    settings = AggregatorSettings(link_policy=policy, future_reference=FutureReference.REPORTED_AT)
    rules = load_rules(rules_file) if rules_file else None
    return replace(settings.engine_config(rules), lateness_seconds=CENTURY)


@dataclass
class Run:
    label: str
    engine: Engine | None
    transitions: int
    seconds: float

    def links(self) -> list[tuple[str, str, float]]:
        """The automatic links that joined groups: (incident, incident, score)."""
        if self.engine is None:
            return []
        seen = set()
        out = []
        for _, edges in self.engine.linker.groups.values():
            for edge in edges:
                if edge.decision is None and edge.pair not in seen:
                    seen.add(edge.pair)
                    out.append((*edge.pair, edge.probability or 0.0))
        return out

    def together(self, a: str, b: str) -> bool:
        if self.engine is None:
            return False
        group = self.engine.linker.group_of(a)
        return group is not None and b in group[0]

    def crossings(self) -> Crossings:
        """Every governorate-day whose 24 h window (that day's incidents, day precision)
        reaches a level of a governorate rule with a 24 h window, and the level."""
        out: Crossings = {}
        if self.engine is None or self.engine.clock.now is None:
            return out
        for rule in self.engine.rules.rules:
            if rule.group_by != ("country", "admin1") or rule.window_seconds != 86400:
                continue
            for group, timeline in self.engine.timelines[rule.group_by].items():
                for end in sorted(set(timeline.positions)):
                    level = rule.fire_level(
                        timeline.total(end, rule.window_seconds, rule.value_key)
                    )
                    if level:
                        day = time.strftime("%Y-%m-%d", time.gmtime(end))
                        key = (rule.name, group, day)
                        out[key] = max(out.get(key, 0), level)
        return out


def run(
    label: str, reports: Iterable[IncidentReport], policy: LinkPolicy, rules: Path | None = None
) -> Run:
    started = time.perf_counter()
    prepared = prepare([collect(Input("jsonl", Path(label)), list(reports))])
    gazetteer = Gazetteer.default()
    severity = load_severity(ClassifierSettings().severity_file)
    countries = Countries(config(policy, rules))
    transitions = 0
    for report in prepared.reports:
        incident: ClassifiedIncident = classify(report, gazetteer, severity)
        transitions += len(countries.process(incident, report.reported_at.timestamp()).transitions)
    engine = countries.engines.get("SYR")
    return Run(label, engine, transitions, time.perf_counter() - started)


__all__ = ["FileResult", "Run", "read", "run"]
