"""Text and structured feeds meet (issue 11): the seed story in the sample feed plus the
same story through ``vigil extract --publish`` is one incident, in either order.

The sample feed has the White Helmets' report (at least 25 killed) and their revision (31)
of one incident; the wire story, extracted, names the governorate only and quotes the
White Helmets' 25. Linked by a source in common (the White Helmets told by two feeds),
Idlib's killed_24h stays a warning at 33 (31 and Sarmin's 2): it never escalates to
critical as it did when the two were added (58).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest

from schemas.alerts import Alert, Transition
from schemas.reports import IncidentReport
from services.aggregator.domain.countries import Countries
from services.aggregator.domain.engine import EngineConfig
from services.aggregator.domain.linking.scoring import LinkPolicy, LinkSettings
from services.aggregator.domain.rules import load_rules
from services.classifier.logic import classify, load_severity
from services.common.gazetteer import Gazetteer
from services.extractor.domain import extract_all
from tests.unit.test_extractor_seed import OWN_STORY, SEED
from tools.demo.runner import SAMPLE_FEED, load_feed

ROOT = Path(__file__).resolve().parents[2]
CONFIG = EngineConfig(
    rules=load_rules(ROOT / "services" / "aggregator" / "rules.yaml"),
    linking=LinkSettings(),  # the service's default: policy auto
)
SEVERITY = load_severity(ROOT / "services" / "classifier" / "severity.yaml")
WALL = datetime(2024, 12, 2, 12, tzinfo=UTC).timestamp()


def extracted(text: str) -> list[IncidentReport]:
    return list(extract_all(text, reported_at=datetime(2024, 12, 2, 9, tzinfo=UTC)).reports)


def replay(
    reports: list[IncidentReport], config: EngineConfig = CONFIG
) -> tuple[list[Alert], Countries]:
    engine = Countries(config)
    gazetteer = Gazetteer.default()
    out: list[Alert] = []
    for rep in reports:
        out += engine.process(classify(rep, gazetteer, SEVERITY), WALL).transitions
    return out, engine


def idlib_killed(alerts: list[Alert]) -> list[tuple[Transition, str | None, int]]:
    return [
        (a.transition, a.level, a.value)
        for a in alerts
        if a.rule == "killed_24h" and a.group_key == "SYR/Idlib"
    ]


def stories() -> list[str]:
    out = [OWN_STORY]
    if SEED.is_file():
        out.append(SEED.read_text(encoding="utf-8"))
    return out


@pytest.mark.parametrize("text", stories(), ids=lambda t: "seed" if len(t) > 1200 else "own")
@pytest.mark.parametrize("text_first", [False, True], ids=["feed-first", "text-first"])
def test_the_sample_feed_and_the_extracted_story_are_one_incident(
    text: str, text_first: bool
) -> None:
    feed = load_feed(SAMPLE_FEED)
    story = extracted(text)
    assert any(r.source.name == "White Helmets" and r.feed for r in story)  # a text feed
    alerts, engine = replay([*story, *feed] if text_first else [*feed, *story])
    moves = idlib_killed(alerts)
    assert all(level != "critical" for _, level, _ in moves), moves
    assert not any(t is Transition.ESCALATED for t, _, _ in moves), moves
    assert moves[-1][2] == 33  # the White Helmets' revised 31 and Sarmin's 2, once
    children = [a for a in alerts if a.rule == "children_killed_24h" and a.group_key == "SYR/Idlib"]
    assert children[-1].value == 13  # the revision's 13 children, once (not 13 + 10)
    group = engine.engine("SYR").linker.group_of("SYR-20241201-idlib-airstrikes")
    assert group is not None
    members, edges = group
    assert len(members) == 2 and any(m.startswith("txt-") for m in members), members
    assert edges  # an automatic link, with its score and reasons


def test_without_linking_the_two_are_added_and_escalate() -> None:
    """The same input with linking off: what the desk saw before issue 11."""
    off = replace(CONFIG, linking=LinkSettings(policy=LinkPolicy.OFF))
    moves = idlib_killed(replay([*load_feed(SAMPLE_FEED), *extracted(OWN_STORY)], off)[0])
    assert (Transition.ESCALATED, "critical") in [(t, lvl) for t, lvl, _ in moves]
