"""A two-feed replay through the real services with linking (issue 11): the same strike
from Airwars (filed under Damascus) and UCDP (Rif Dimashq) counts once, the alert's
evidence shows the link with its score and reasons and the value unlinked; an analyst's
unlink given to the replay (``--links``) counts the two apart."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from schemas.alerts import Alert, Transition
from schemas.links import LinkAction, LinkDecision
from schemas.reports import Casualties, EventType, Figure, IncidentReport, Location, Source
from tools.broker import EmbeddedBroker
from tools.replay.runner import replay

pytestmark = pytest.mark.integration

RULES = """
rules:
  - {name: civilians_24h, measure: civilians_killed, window: 24h, group_by: [country],
     levels: [{name: warning, threshold: 10}]}
"""
DAY = datetime(2018, 3, 1, tzinfo=UTC)


def told(
    incident: str, feed: str, source: str, admin1: str, place: str, civilians: int
) -> IncidentReport:
    return IncidentReport(
        report_id=f"{incident}-r",
        incident_id=incident,
        feed=feed,
        source=Source(name=source),
        reported_at=datetime(2018, 3, 2, tzinfo=UTC),
        occurred_at=DAY,
        occurred_precision="day",
        location=Location(country="SYR", admin1=admin1, place=place),
        event_type=EventType.AIR_STRIKE,
        casualties=Casualties(civilians_killed=Figure.exact(civilians)),
    )


REPORTS = [
    told("airwars:S1", "airwars", "Airwars", "Damascus", "Harasta", 9),
    told("ucdp:41", "ucdp", "UCDP GED", "Rif Dimashq", "Harasta", 9),
    told("airwars:S2", "airwars", "Airwars", "Rif Dimashq", "Douma", 3),
]


def fired(alerts: list[Alert]) -> list[tuple[Transition, int]]:
    return [(a.transition, a.value) for a in alerts]


async def test_a_two_feed_replay_links_and_an_unlink_separates(
    broker: EmbeddedBroker, topic_prefix: str, tmp_path: Path
) -> None:
    rules = tmp_path / "rules.yaml"
    rules.write_text(RULES, encoding="utf-8")
    linked = await replay(
        REPORTS, bootstrap=broker.bootstrap, rules_file=rules, prefix=topic_prefix + "a.",
        linking="auto", deadline_seconds=60,
    )  # fmt: skip
    assert fired(linked.alerts) == [(Transition.FIRED, 12)]  # 9 once, and 3: not 18 at once
    (alert,) = linked.alerts
    assert alert.value_unlinked == 21
    by_id = {e.incident_id: e for e in alert.evidence}
    group = by_id.get("airwars:S1") or by_id["ucdp:41"]
    (link,) = group.linked
    assert {group.incident_id, link.incident_id} == {"airwars:S1", "ucdp:41"}
    assert link.linked_by == "linker" and link.probability is not None
    assert link.probability >= 0.9
    assert "Damascus / Rif Dimashq" in link.reasons and "civilians_killed 9 = 9" in link.reasons

    unlink = LinkDecision(
        country="SYR",
        incidents=("airwars:S1", "ucdp:41"),
        action=LinkAction.UNLINK,
        analyst="desk-1",
        reason="two strikes on Harasta that day",
        decided_at=datetime(2018, 3, 3, tzinfo=UTC),
    )
    apart = await replay(
        REPORTS, bootstrap=broker.bootstrap, rules_file=rules, prefix=topic_prefix + "b.",
        linking="auto", decisions=[unlink], deadline_seconds=60,
    )  # fmt: skip
    assert fired(apart.alerts)[0] == (Transition.FIRED, 18)
    assert all(not e.linked for a in apart.alerts for e in a.evidence)
