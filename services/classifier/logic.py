"""Classification rules: a report's normalised region, its severity and the reasons.

Pure: ``classify(report, gazetteer, rules)``. Severity levels come from a YAML file (see
severity.yaml); the region key comes from the gazetteer (unknown names are kept raw).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from schemas.incidents import ClassifiedIncident, Severity
from schemas.reports import MEASURES, EventType, IncidentReport, ReportKind
from services.common.errors import ConfigError
from services.common.gazetteer import Gazetteer


@dataclass(frozen=True)
class Condition:
    measure: str | None = None
    at_least: int = 0
    event_types: frozenset[EventType] = frozenset()

    def reason(self, report: IncidentReport, low: dict[str, int]) -> str | None:
        """A human reason when the condition holds for ``report`` (whose figures at
        their low end are ``low``, see ``low_figures``), else None."""
        if self.measure is not None:
            value = low.get(self.measure)
            if value is not None and value >= self.at_least:
                figure = getattr(report.casualties, self.measure)
                return f"{self.measure} {figure.describe()} >= {self.at_least}"
            return None
        if report.event_type in self.event_types:
            return f"event type {report.event_type.value}"
        return None


def low_figures(report: IncidentReport) -> dict[str, int]:
    """Each figure the report gives, at its low end ("between 5 and 8" is 5)."""
    casualties = report.casualties
    low = {}
    for measure in MEASURES:
        figure = getattr(casualties, measure)
        if figure is not None:
            low[measure] = figure.pick("low")
    return low


@dataclass(frozen=True)
class SeverityRules:
    levels: tuple[tuple[Severity, tuple[Condition, ...]], ...]


def parse_severity(text: str, where: str = "<severity>") -> SeverityRules:
    try:
        doc = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ConfigError(f"{where}: not valid YAML: {exc}") from None
    if not isinstance(doc, dict) or not isinstance(doc.get("levels"), dict):
        raise ConfigError(f"{where}: expected a mapping with a 'levels' mapping")
    levels = []
    for name, conditions in doc["levels"].items():
        allowed = [s.value for s in Severity if s is not Severity.NONE]
        if name not in allowed:
            raise ConfigError(f"{where}: level {name!r} is not one of {allowed}")
        severity = Severity(name)
        if not isinstance(conditions, list) or not conditions:
            raise ConfigError(f"{where}: level {name!r} needs a list of conditions")
        levels.append(
            (severity, tuple(_condition(c, f"{where}: level {name!r}") for c in conditions))
        )
    return SeverityRules(tuple(levels))


def _condition(raw: Any, where: str) -> Condition:
    if isinstance(raw, dict) and set(raw) == {"measure", "at_least"}:
        if raw["measure"] not in MEASURES:
            raise ConfigError(f"{where}: measure {raw['measure']!r} not in {list(MEASURES)}")
        if not isinstance(raw["at_least"], int) or raw["at_least"] < 0:
            raise ConfigError(f"{where}: at_least must be a whole number >= 0")
        return Condition(measure=raw["measure"], at_least=raw["at_least"])
    if isinstance(raw, dict) and set(raw) == {"event_type"}:
        try:
            types = frozenset(EventType(t) for t in raw["event_type"])
        except (ValueError, TypeError):
            allowed = [t.value for t in EventType]
            raise ConfigError(f"{where}: event_type must be a list from {allowed}") from None
        return Condition(event_types=types)
    raise ConfigError(f"{where}: condition {raw!r} must be {{measure, at_least}} or {{event_type}}")


def load_severity(path: Path) -> SeverityRules:
    try:
        return parse_severity(path.read_text(encoding="utf-8"), str(path))
    except OSError as exc:
        raise ConfigError(f"cannot read severity file {path}: {exc}") from None


def severity_of(report: IncidentReport, rules: SeverityRules) -> tuple[Severity, list[str]]:
    low = low_figures(report)
    for severity, conditions in rules.levels:
        reasons = [r for c in conditions if (r := c.reason(report, low)) is not None]
        if reasons:
            return severity, reasons
    return Severity.NONE, ["no casualty figure or violent event type"]


def classify(
    report: IncidentReport, gazetteer: Gazetteer, rules: SeverityRules
) -> ClassifiedIncident:
    loc = report.location
    region = gazetteer.normalise(loc.country, loc.admin1, loc.admin2)
    severity, reasons = severity_of(report, rules)
    if report.kind is ReportKind.SUMMARY:
        reasons = [*reasons, "summary of a period: kept for context, never counted"]
    if not region.known:
        reasons = [
            *reasons,
            f"region {loc.admin1!r} not in the gazetteer: counted under its raw name",
        ]
    # Every part is already valid (the report was validated on decode, the rest is built
    # here from typed values), so skip re-validation: it cost as much as the rules.
    return ClassifiedIncident.model_construct(
        report=report, region=region, severity=severity, reasons=reasons
    )


def encode_classified(incident: ClassifiedIncident, report_json: str) -> bytes:
    """``incident`` as JSON, with its report embedded as the JSON text it arrived in
    (already validated as an ``IncidentReport``, so decoding it again gives the same
    report) instead of serialised again: that was a third of the classifier's own CPU."""
    rest = incident.model_dump_json(exclude={"report"}, exclude_none=True)
    return f'{{"report":{report_json},{rest[1:]}'.encode()
