"""What the alert page and the console show, as plain data (the renderers in
``services.console.render`` turn it into HTML; the JSON API serves parts of it).

Built from the public Alert records (state, transitions, evidence) and from the
aggregator's rebuilt engines (window values, clocks, the reports' own words); the wall
time is passed in.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from schemas.alerts import Alert, AlertStatus
from services.aggregator.domain.alerting import fingerprint
from services.aggregator.domain.engine import Engine
from services.aggregator.domain.evidence import measure_words, window_words
from services.aggregator.domain.incidents import group_fields
from services.aggregator.domain.rules import Rule, RuleSet
from services.console.domain.series import Point, chart_span, peak, window_series
from services.console.replica import (
    AggregatorReplica,
    AlertHistory,
    AlertIndex,
    DeadLetterTally,
    Published,
)
from services.notifier.domain.text import severity, shown_level

SEVERITY_ORDER = ("critical", "error", "warning", "info")


def severity_rank(name: str) -> int:
    return SEVERITY_ORDER.index(name) if name in SEVERITY_ORDER else len(SEVERITY_ORDER)


def country_of(alert: Alert) -> str:
    return alert.group.get("country") or alert.group_key.split("/", 1)[0]


def region_label(group_key: str) -> str:
    """``SYR / Idlib``; a country-wide group reads ``SYR (whole country)``."""
    parts = [p for p in group_key.split("/") if p]
    return " / ".join(parts) if len(parts) > 1 else f"{group_key} (whole country)"


@dataclass(frozen=True)
class LevelLine:
    name: str
    threshold: int
    resolve_below: int
    severity: str


@dataclass(frozen=True)
class Mark:
    """A transition on the chart: where its window ended and the value it announced."""

    at: float
    value: int
    seq: int
    transition: str
    level: str | None
    severity: str


@dataclass(frozen=True)
class Chart:
    title: str
    """``Children killed in 24 h windows``"""
    region: str
    start: float
    end: float
    clock: float
    points: list[Point]
    levels: list[LevelLine]
    marks: list[Mark]

    @property
    def peak(self) -> Point | None:
        return peak(self.points)


@dataclass(frozen=True)
class ReportText:
    source: str
    kind: str
    report_id: str
    reported_at: float
    text: str | None
    verification: str


@dataclass(frozen=True)
class AlertPage:
    fingerprint: str
    history: list[Published]
    """Oldest first."""
    latest: Published
    evidence_from: Published
    """The newest transition with evidence (a resolve lists none: the one before it)."""
    rule: Rule | None
    chart: Chart | None
    reports: dict[str, list[ReportText]]
    """incident_id -> its reports as the aggregator holds them now."""
    clock: float | None
    omitted_history: int = 0


def levels_of(rule: Rule) -> list[LevelLine]:
    return [
        LevelLine(level.name, level.threshold, level.resolve_below, severity(level.name))
        for level in rule.levels
    ]


def chart_for(
    engine: Engine, rule: Rule, group_key: str, marks: Iterable[Alert], days: int
) -> Chart | None:
    clock = engine.clock.now
    if clock is None:
        return None
    start, end = chart_span(clock, days)
    timeline = engine.timelines.get(rule.group_by, {}).get(group_key)
    positions = [] if timeline is None else timeline.positions
    points = window_series(
        positions,
        lambda t: engine.window_value(rule, group_key, t),
        rule.window_seconds,
        start,
        end,
    )
    shown = [
        Mark(
            a.window_end.timestamp(),
            a.value,
            a.seq,
            a.transition.value,
            shown_level(a),
            severity(shown_level(a)),
        )
        for a in marks
        if start <= a.window_end.timestamp() <= end
    ]
    title = f"{measure_words(rule.measure).capitalize()} in {window_words(rule.window_seconds)}"
    return Chart(title, region_label(group_key), start, end, clock, points, levels_of(rule), shown)


def report_texts(replica: AggregatorReplica, country: str, incident_id: str) -> list[ReportText]:
    out = []
    for incident in replica.reports(country, incident_id).values():
        report = incident.report
        out.append(
            ReportText(
                report.source.name,
                report.source.kind.value,
                report.report_id,
                report.reported_at.timestamp(),
                report.text,
                report.verification.value,
            )
        )
    return sorted(out, key=lambda r: (r.reported_at, r.source))


def alert_page(
    history: AlertHistory,
    rules: RuleSet,
    replica: AggregatorReplica,
    chart_days: int,
) -> AlertPage:
    transitions = list(history.transitions)
    latest = transitions[-1]
    alert = latest.alert
    with_evidence = [p for p in transitions if p.alert.evidence]
    evidence_from = with_evidence[-1] if with_evidence else latest
    rule = next((r for r in rules.rules if r.name == alert.rule), None)
    country = country_of(alert)
    engine = replica.engines().get(country)
    chart = None
    if rule is not None and engine is not None:
        chart = chart_for(engine, rule, alert.group_key, (p.alert for p in transitions), chart_days)
    reports = {
        incident.incident_id: report_texts(replica, country, incident.incident_id)
        for incident in evidence_from.alert.evidence
    }
    return AlertPage(
        alert.fingerprint,
        transitions,
        latest,
        evidence_from,
        rule,
        chart,
        reports,
        None if engine is None else engine.clock.now,
        omitted_history=max(0, alert.seq - len(transitions)),
    )


# -- the console -------------------------------------------------------------------------


@dataclass(frozen=True)
class Cell:
    value: int
    level: str | None
    severity: str | None
    fingerprint: str


@dataclass(frozen=True)
class RuleColumn:
    name: str
    title: str
    """``children killed, 24 h``"""
    thresholds: str
    """``warning 5, critical 10``"""


@dataclass
class CountryWindows:
    country: str
    clock: float | None
    columns: list[RuleColumn]
    rows: list[tuple[str, dict[str, Cell]]] = field(default_factory=list)
    """(group key, rule -> cell), whole country first, then regions by name."""


@dataclass(frozen=True)
class FiringGroup:
    severity: str
    alerts: list[Published]


@dataclass(frozen=True)
class Console:
    countries: list[str]
    selected: str | None
    firing: list[FiringGroup]
    windows: list[CountryWindows]
    recent: list[Published]
    """Newest first."""
    deadletters: DeadLetterTally
    deadletters_day: int
    """Dead letters that failed within the last 24 h (of those remembered)."""
    clocks: dict[str, float]


def _columns(rules: RuleSet) -> list[RuleColumn]:
    return [
        RuleColumn(
            rule.name,
            f"{measure_words(rule.measure)}, {window_words(rule.window_seconds)}",
            ", ".join(f"{lvl.name} {lvl.threshold}" for lvl in rule.levels),
        )
        for rule in rules.rules
    ]


def country_windows(
    country: str, engine: Engine, rules: RuleSet, firing: Mapping[str, Alert]
) -> CountryWindows:
    """Every group of the country with a value in some rule's window at its clock."""
    out = CountryWindows(country, engine.clock.now, _columns(rules))
    if engine.clock.now is None:
        return out
    rows: dict[str, dict[str, Cell]] = {}
    for rule in rules.rules:
        for group_key in engine.timelines.get(rule.group_by, {}):
            value = engine.window_value(rule, group_key)
            fp = fingerprint(rule.name, group_key)
            alert = firing.get(fp)
            if value <= 0 and alert is None:
                continue
            level = alert.level if alert is not None else None
            cell = Cell(value, level, None if level is None else severity(level), fp)
            rows.setdefault(group_key, {})[rule.name] = cell
    out.rows = sorted(rows.items(), key=lambda item: (item[0].count("/"), item[0]))
    return out


def console(
    index: AlertIndex,
    replica: AggregatorReplica,
    rules: RuleSet,
    deadletters: DeadLetterTally,
    now: float,
    selected: str | None = None,
) -> Console:
    engines = replica.engines()
    clocks = replica.clocks()
    latest = list(index.latest())
    countries = sorted({country_of(p.alert) for p in latest} | set(engines) | set(clocks))

    def chosen(alert: Alert) -> bool:
        return selected is None or country_of(alert) == selected

    firing_now = [p for p in latest if p.alert.status is AlertStatus.FIRING and chosen(p.alert)]
    grouped: dict[str, list[Published]] = {}
    for item in firing_now:
        grouped.setdefault(severity(item.alert.level), []).append(item)
    firing = [
        FiringGroup(name, sorted(items, key=lambda p: (p.alert.group_key, p.alert.rule)))
        for name, items in sorted(grouped.items(), key=lambda kv: severity_rank(kv[0]))
    ]
    by_fp = {p.alert.fingerprint: p.alert for p in firing_now}
    windows = [
        country_windows(country, engines[country], rules, by_fp)
        for country in sorted(engines)
        if selected is None or country == selected
    ]
    recent = [p for p in reversed(index.recent) if chosen(p.alert)][:20]
    return Console(
        countries,
        selected,
        firing,
        windows,
        recent,
        deadletters,
        deadletters.since(now - 86400),
        {c: t for c, t in clocks.items() if selected is None or c == selected},
    )


def group_of(alert: Alert) -> dict[str, str]:
    """The alert's group fields (coarse to fine)."""
    return alert.group or group_fields(alert.group_key, ("country", "admin1", "admin2"))
