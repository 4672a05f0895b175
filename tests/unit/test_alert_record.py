"""The Alert record reads right on its own: the day of a day-precision incident, the
qualifier of its figures, the number and place first, verification in words (a lower
figure never confirms a higher one), the rule's description, perpetrators and source kinds,
updates of a rising toll, one late notice."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from schemas.alerts import Alert, Transition
from schemas.reports import (
    Casualties,
    EventType,
    Figure,
    IncidentReport,
    Location,
    Precision,
    Source,
    SourceKind,
    Verification,
)
from services.aggregator.domain.engine import Engine, EngineConfig
from services.aggregator.domain.evidence import days_text, window_words
from services.aggregator.domain.rules import load_rules, parse_rules
from tests.factories import classified
from tools.demo.runner import SAMPLE_FEED, load_feed

REPO_RULES = Path(__file__).parents[2] / "services" / "aggregator" / "rules.yaml"


def run_feed(reports: list[IncidentReport], rules_text: str | None = None) -> list[Alert]:
    rules = load_rules(REPO_RULES) if rules_text is None else parse_rules(rules_text)
    engine = Engine(EngineConfig(rules=rules))
    out: list[Alert] = []
    for rep in reports:
        out += engine.process(classified(rep), 0.0).transitions
    return out


def idlib(rule: str, alerts: list[Alert]) -> list[Alert]:
    return [a for a in alerts if a.rule == rule and a.group_key == "SYR/Idlib"]


def test_seed_alert_reads_as_its_day_with_its_qualifier_and_sources_in_words() -> None:
    fired, update = idlib("children_killed_24h", run_feed(load_feed(SAMPLE_FEED)))
    assert fired.transition is Transition.FIRED
    # the window's bounds are the event-time axis (Nov 30 00:00 .. Dec 1 00:00]; the
    # analyst reads the incident's day
    assert fired.window_end == datetime(2024, 12, 1, tzinfo=UTC)
    assert fired.period == "2024-12-01"
    assert (fired.period_first, fired.period_last) == (date(2024, 12, 1), date(2024, 12, 1))
    assert fired.value_text == "at least 10"
    assert fired.summary.startswith("At least 10 children killed in Idlib, SYR on 2024-12-01")
    assert "11-30" not in fired.summary and "Nov" not in fired.summary
    assert fired.description == "Children killed in one governorate within 24 hours."
    assert fired.perpetrators == ["Syrian government", "Russia"]
    assert fired.verification_text == "1 source: White Helmets (NGO). Not independently confirmed."
    [incident] = fired.evidence
    assert incident.occurred_precision is Precision.DAY
    assert [(s.source, s.kind, s.figure) for s in incident.sources] == [
        ("White Helmets", "ngo", "at least 10")
    ]
    # the revision (10 -> 12) and a second Idlib incident (+1) raise it by the step (3)
    assert update.transition is Transition.UPDATED and update.seq == 2
    assert (update.level, update.value, update.value_text) == ("critical", 13, "at least 13")
    assert update.summary.endswith("up from 10")


def test_a_lower_witness_figure_does_not_confirm_the_ngo_figure() -> None:
    alerts = idlib("killed_24h", run_feed(load_feed(SAMPLE_FEED)))
    update = alerts[-1]
    assert update.value == 33
    by_id = {e.incident_id: e for e in update.evidence}
    airstrikes = by_id["SYR-20241201-idlib-airstrikes"]
    assert airstrikes.verification is Verification.REPORTED  # not "confirmed" by 7 < 31
    assert airstrikes.confirmed_by == []
    assert update.confidence == 0.0
    assert "Not independently confirmed." in update.verification_text
    assert "Witnesses (wire story) (witness)" in update.verification_text
    assert "Lower figures from Witnesses (wire story) do not confirm" in update.verification_text


def _report(
    report_id: str, source: str, kind: SourceKind, killed: Figure, incident: str = "hama-1"
) -> IncidentReport:
    return IncidentReport(
        report_id=report_id,
        incident_id=incident,
        source=Source(name=source, kind=kind),
        reported_at=datetime(2024, 12, 2, 9, tzinfo=UTC),
        occurred_at=datetime(2024, 12, 1, tzinfo=UTC),
        occurred_precision=Precision.DAY,
        location=Location(country="SYR", admin1="Hama"),
        event_type=EventType.AIR_STRIKE,
        casualties=Casualties(killed=killed),
    )


RULE_25 = """
rules:
  - {name: killed_24h, measure: killed, window: 24h, group_by: [country, admin1],
     levels: [{name: warning, threshold: 25}]}
"""


@pytest.mark.parametrize(
    ("second", "confirmed", "value_text"),
    [
        (Figure.at_least(26), True, "at least 40"),  # the same figure confirms
        (Figure.between(26, 40), True, "at least 40"),
        (Figure.exact(12), False, "at least 40"),  # a lower one never does
        # a higher one counts (max of the sources), and the lower one does not confirm it
        (Figure.exact(30), False, "44"),
    ],
)
def test_confirmation_needs_an_independent_figure_at_least_as_high(
    second: Figure, confirmed: bool, value_text: str
) -> None:
    [alert] = run_feed(
        [
            _report("a", "SOHR", SourceKind.MONITOR, Figure.at_least(26)),
            _report("b", "SANA", SourceKind.GOVERNMENT, second),
            _report("c", "SOHR", SourceKind.MONITOR, Figure.exact(14), incident="hama-2"),
        ],
        RULE_25.replace("25", "40"),
    )
    hama = {e.incident_id: e for e in alert.evidence}["hama-1"]
    assert (hama.verification is Verification.CONFIRMED) is confirmed
    assert len(hama.confirmed_by) == (1 if confirmed else 0)
    assert alert.value_text == value_text
    assert alert.verification_text.startswith("2 sources: SANA (government), SOHR (monitor).")
    words = "Confirmed for 1 of 2 incidents" if confirmed else "Not independently confirmed."
    assert words in alert.verification_text


def test_qualifiers_of_a_sum() -> None:
    rules = RULE_25
    exact = run_feed([_report("a", "X", SourceKind.NGO, Figure.exact(25))], rules)
    about = run_feed([_report("a", "X", SourceKind.NGO, Figure.about(25))], rules)
    ranged = run_feed([_report("a", "X", SourceKind.NGO, Figure.between(25, 31))], rules)
    assert [a[0].value_text for a in (exact, about, ranged)] == [
        "25",
        "about 25",
        "between 25 and 31",
    ]


@pytest.mark.parametrize(
    ("first", "last", "text"),
    [
        (date(2024, 12, 1), date(2024, 12, 1), "2024-12-01"),
        (date(2024, 11, 28), date(2024, 12, 1), "2024-11-28 to 2024-12-01"),
    ],
)
def test_days_text(first: date, last: date, text: str) -> None:
    assert days_text(first, last) == text


def test_window_words() -> None:
    assert [window_words(s) for s in (86400, 604800, 5400, 3600, 90)] == [
        "24 h",
        "7 days",
        "90 min",
        "1 h",
        "90 s",
    ]


def test_every_alert_carries_its_rules_levels_and_the_ranks_of_its_levels() -> None:
    alerts = run_feed(load_feed(SAMPLE_FEED))
    rules = {rule.name: rule for rule in load_rules(REPO_RULES).rules}
    assert alerts
    for alert in alerts:
        names = [level.name for level in rules[alert.rule].levels]
        assert alert.levels == names
        for name, rank in (
            (alert.level, alert.level_rank),
            (alert.previous_level, alert.previous_level_rank),
            (alert.peak_level, alert.peak_level_rank),
        ):
            assert rank == (None if name is None else names.index(name) + 1), alert.summary
    assert {a.level_rank for a in alerts if a.transition is Transition.FIRED} >= {1}
