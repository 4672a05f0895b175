"""Aggregator metrics (on top of the shared stream metrics).

Label values come from bounded sets: rules and levels from the rules file, and region
groups (``vigil_window_value{group}``) from the gazetteer: a region the gazetteer does not
know (its raw name, as the classifier keeps it) and every district are shown folded
under ``other`` (``SYR/other``, ``SYR/Idlib/other``), with the largest window value among
the groups folded there. A series is removed when its window empties, so a region that
saw one report does not leave a series behind for ever.
"""

from __future__ import annotations

from collections import Counter as Tally
from collections.abc import Callable, Iterable
from functools import lru_cache

from prometheus_client import CollectorRegistry, Counter, Gauge

from schemas.alerts import Alert
from services.aggregator.domain.alerting import AlertState
from services.aggregator.domain.incidents import REFUSED, Outcome
from services.aggregator.domain.rules import RuleSet
from services.common.gazetteer import Gazetteer
from services.common.metrics import StreamMetrics

OTHER = "other"
"""The label value a region outside the gazetteer, or a district, is folded under."""

KnownRegion = Callable[[str, str], bool]
"""Whether (country, admin1) is a canonical region name of the gazetteer."""


def gazetteer_knows(country: str, admin1: str) -> bool:
    return Gazetteer.default().canonical_admin1(country, admin1) == admin1


def group_label(group_key: str, known: KnownRegion = gazetteer_knows) -> str:
    """``SYR/Idlib`` stays; ``SYR/Atlantis`` (not in the gazetteer) becomes ``SYR/other``;
    a district part becomes ``other`` (``?``, no region named, stays). Country codes are
    validated ISO 3166 alpha-3 shapes and stay."""
    country, *rest = group_key.split("/")
    parts = [country]
    if rest:
        admin1 = rest[0]
        parts.append(admin1 if admin1 == "?" or known(country, admin1) else OTHER)
    parts += ["?" if part == "?" else OTHER for part in rest[1:]]
    return "/".join(parts)


class AggregatorMetrics(StreamMetrics):
    def __init__(
        self, registry: CollectorRegistry, rules: RuleSet, known: KnownRegion = gazetteer_knows
    ) -> None:
        super().__init__(registry, "aggregator")
        self.rules = {rule.name: rule for rule in rules.rules}
        self._label = lru_cache(maxsize=4096)(lambda key: group_label(key, known))
        self._windows: dict[tuple[str, str], dict[str, int]] = {}
        """(rule, label) -> the groups shown under that label with a non-empty window."""
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
            self.deadletters.labels(outcome.value)

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
                    self.deadletters.labels(outcome.value).inc(count)

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
        """Window values of the groups that changed (0: the window emptied)."""
        touched = set()
        for (rule, group), value in values.items():
            shown = (rule, self._label(group))
            members = self._windows.setdefault(shown, {})
            if value:
                members[group] = value
            else:
                members.pop(group, None)
            touched.add(shown)
        for rule, label in touched:
            members = self._windows[(rule, label)]
            measure = self.rules[rule].measure
            if members:
                self.window.labels(rule, label, measure).set(max(members.values()))
            else:
                del self._windows[(rule, label)]
                self.window.remove(rule, label, measure)  # no-op when never shown

    def forget_views(self) -> None:
        """Partitions moved: drop every window and clock series, so a worker never shows
        the groups of a partition it gave away (Prometheus would add them to the new
        owner's). Each partition it keeps or receives records its groups again when it is
        rebuilt (``Aggregator.countries``), at its next input or tick."""
        self._windows.clear()
        self.window.clear()
        self.watermark.clear()

    def record_watermarks(self, clocks: Iterable[tuple[str, float | None]]) -> None:
        for country, now in clocks:
            if now is not None:
                self.watermark.labels(country).set(now)
