"""The benchmark's generator produces valid, varied, deterministic reports (not timed)."""

from __future__ import annotations

import itertools
from collections import Counter
from pathlib import Path

from schemas.alerts import Transition
from schemas.reports import IncidentReport, ReportKind
from scripts.bench_data import (
    CROSS_FEED,
    LATENCY_RULE,
    LATENCY_THRESHOLD,
    latency_rules,
    latency_stream,
    realistic_stream,
    warmup_record,
)
from services.aggregator.domain.engine import Engine
from services.aggregator.domain.linking.scoring import LinkPolicy
from services.aggregator.domain.rules import load_rules
from services.aggregator.settings import DEFAULT_RULES, AggregatorSettings
from services.classifier.logic import classify, load_severity
from services.classifier.settings import DEFAULT_SEVERITY
from services.common.gazetteer import Gazetteer


def test_realistic_stream_is_valid_varied_and_deterministic() -> None:
    records = realistic_stream(2000, seed=3, days=5)
    assert records == realistic_stream(2000, seed=3, days=5)
    reports = [IncidentReport.model_validate_json(r.value) for r in records]
    assert all(r.key == b"SYR" for r in records)

    resent = Counter(r.report_id for r in reports)
    assert any(n > 1 for n in resent.values()), "no duplicates"
    per_incident = Counter(r.incident_id for r in {r.report_id: r for r in reports}.values())
    assert any(n > 1 for n in per_incident.values()), "no revisions or second sources"
    assert any(r.kind is ReportKind.SUMMARY for r in reports)
    by_incident = {r.incident_id: r for r in reports}
    twins = [r for r in reports if r.feed == CROSS_FEED]
    assert len(twins) > 50, "no cross-feed duplicates"
    for twin in twins:  # an incident of another feed, under an id of its own
        assert twin.incident_id.startswith("bench-x") and twin.report_id != twin.incident_id
    assert all(by_incident[t.incident_id].feed == CROSS_FEED for t in twins)
    assert len({r.location.place for r in reports}) > 300
    assert len({r.source.name for r in reports}) >= 5
    assert len({r.location.admin1 for r in reports}) > 14, "spellings are not varied"

    gazetteer = Gazetteer.default()
    regions = {gazetteer.normalise("SYR", r.location.admin1) for r in reports}
    assert all(region.known for region in regions)
    assert len({region.admin1 for region in regions}) == 14

    occurred = [r.occurred_at for r in reports if r.kind is ReportKind.INCIDENT]
    late = sum(1 for a, b in itertools.pairwise(occurred) if b < a)
    assert 0 < late < len(occurred) / 2, "event times should mostly increase, with some late"


def test_latency_stream_designs_one_firing_report_per_group(tmp_path: Path) -> None:
    records = latency_stream(300, every=10)
    designed = [r for r in records if r.designed_group]
    assert len(designed) == 30
    assert len({r.designed_group for r in designed}) == 30
    for record in designed:
        report = IncidentReport.model_validate_json(record.value)
        figure = report.casualties.children_killed
        assert figure is not None and figure.pick("low") == LATENCY_THRESHOLD
        assert record.designed_group == f"SYR/Idlib/{report.location.admin2}"

    rules_file = tmp_path / "rules.yaml"
    rules_file.write_text(latency_rules(DEFAULT_RULES), encoding="utf-8")
    names = [rule.name for rule in load_rules(rules_file).rules]
    assert LATENCY_RULE in names and len(names) == len(load_rules(DEFAULT_RULES).rules) + 1


def test_warmup_record_shares_no_id_with_the_stream() -> None:
    warm = IncidentReport.model_validate_json(warmup_record("x").value)
    ids = {IncidentReport.model_validate_json(r.value).incident_id for r in realistic_stream(200)}
    assert warm.incident_id not in ids


def test_every_designed_report_fires_its_own_group_with_the_linker_on(tmp_path: Path) -> None:
    """The probes share no place, source or feed with the stream: the linker (``auto``,
    the service default) never moves one out of its fresh group, so each fires."""
    rules_file = tmp_path / "rules.yaml"
    rules_file.write_text(latency_rules(DEFAULT_RULES), encoding="utf-8")
    config = AggregatorSettings(rules_file=rules_file).engine_config()
    assert config.linking.policy is LinkPolicy.AUTO
    engine = Engine(config)
    gazetteer, severity = Gazetteer.default(), load_severity(DEFAULT_SEVERITY)
    records = latency_stream(2000, every=10, days=1.0)
    fired = set()
    for record in records:
        report = IncidentReport.model_validate_json(record.value)
        effects = engine.process(classify(report, gazetteer, severity), 2e9)
        fired |= {
            a.group_key
            for a in effects.transitions
            if a.rule == LATENCY_RULE and a.transition is Transition.FIRED
        }
    assert engine.linker.groups, "the stream's cross-feed copies should be linked"
    designed = {r.designed_group for r in records if r.designed_group}
    assert designed <= fired  # (a report of the stream may fire a group of its own too)
