"""Aggregator metrics (on top of the shared stream metrics)."""

from __future__ import annotations

from collections import Counter as Tally
from collections.abc import Iterable

from prometheus_client import CollectorRegistry, Counter, Gauge

from schemas.alerts import Alert
from services.aggregator.domain.alerting import AlertState
from services.aggregator.domain.incidents import REFUSED, Outcome
from services.aggregator.domain.rules import RuleSet
from services.common.metrics import StreamMetrics


class AggregatorMetrics(StreamMetrics):
    def __init__(self, registry: CollectorRegistry, rules: RuleSet) -> None:
        super().__init__(registry, "aggregator")
        self.rules = {rule.name: rule for rule in rules.rules}
        self.ignored = Counter(
            "vigil_reports_ignored_total",
            "Reports that changed nothing, by reason (duplicate, superseded, conflict, "
            "too_late, future).",
            ["reason"],
            registry=registry,
        )
        self.summaries = Counter(
            "vigil_summaries_kept_total", "Summary reports kept (never counted).", registry=registry
        )
        self.alerts = Counter(
            "vigil_alerts_total",
            "Alert transitions published.",
            ["rule", "level", "transition"],
            registry=registry,
        )
        self.firing = Gauge(
            "vigil_alerts_firing", "Alerts currently firing.", ["rule", "level"], registry=registry
        )
        self.window = Gauge(
            "vigil_window_value",
            "Current rolling-window total per rule and group.",
            ["rule", "group", "measure"],
            registry=registry,
        )
        self.watermark = Gauge(
            "vigil_watermark_timestamp_seconds",
            "Event-time clock of each country (epoch seconds).",
            ["country"],
            registry=registry,
        )
        self._ignored: dict[Outcome, Counter] = {
            outcome: self.ignored.labels(outcome.value)
            for outcome in Outcome
            if outcome not in (Outcome.APPLIED, Outcome.SUMMARY)
        }
        for outcome in REFUSED:
            self.deadletters.labels(self.service, outcome.value)

    def record_outcomes(self, done: list[tuple[Outcome, float]]) -> None:
        """A batch of consumed reports: each one's outcome and the seconds it took (all
        count as consumed; summaries are also kept, the rest changed nothing)."""
        self.record_ok_many([seconds for _, seconds in done])
        tally = Tally(outcome for outcome, _ in done)
        if tally[Outcome.SUMMARY]:
            self.summaries.inc(tally[Outcome.SUMMARY])
        for outcome, count in tally.items():
            counter = self._ignored.get(outcome)
            if counter is not None:
                counter.inc(count)
                if outcome in REFUSED:
                    self.deadletters.labels(self.service, outcome.value).inc(count)

    def record_transitions(self, alerts: Iterable[Alert]) -> None:
        for alert in alerts:
            level = alert.level or alert.previous_level or "none"
            self.alerts.labels(alert.rule, level, alert.transition.value).inc()

    def record_firing(self, states: Iterable[AlertState]) -> None:
        counts = Tally((s.rule, s.level) for s in states if s.level)
        for name, rule in self.rules.items():
            for index, level in enumerate(rule.levels, start=1):
                self.firing.labels(name, level.name).set(counts.get((name, index), 0))

    def record_windows(self, values: dict[tuple[str, str], int]) -> None:
        for (rule, group), value in values.items():
            self.window.labels(rule, group, self.rules[rule].measure).set(value)

    def record_watermarks(self, clocks: Iterable[tuple[str, float | None]]) -> None:
        for country, now in clocks:
            if now is not None:
                self.watermark.labels(country).set(now)
