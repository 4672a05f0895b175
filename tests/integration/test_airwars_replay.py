"""The real Airwars file replayed through classifier + aggregator on the real broker: the
children_killed >= 10 / 24 h crossings equal an independent computation over the CSV
(scripts/airwars_crossings.py: csv module, plain dates, no Vigil counting code)."""

from __future__ import annotations

import time
from datetime import timedelta
from pathlib import Path

import pytest

from schemas.alerts import Alert, Transition
from scripts.airwars_crossings import (
    Crossing,
    crossing_starts,
    day_sums,
    read_rows,
    replay_crossings,
)
from tools.broker import EmbeddedBroker
from tools.replay.cli import read
from tools.replay.logic import Input, prepare
from tools.replay.runner import replay

pytestmark = [pytest.mark.integration, pytest.mark.slow]

FILE = "airwars_syria_incidents.csv"
THRESHOLD = 10
RULES = f"""\
rules:
  - name: children_killed_24h
    measure: children_killed
    window: 24h
    group_by: [country, admin1]
    levels:
      - {{name: critical, threshold: {THRESHOLD}}}
"""


def into_critical(alerts: list[Alert]) -> list[Alert]:
    return [
        a
        for a in alerts
        if a.level == "critical" and a.transition in (Transition.FIRED, Transition.ESCALATED)
    ]


def key(alert: Alert) -> Crossing:
    """(region key, day) of a transition: the window ends at 00:00 UTC of the day it holds."""
    return alert.group_key, alert.window_end.date()


async def test_airwars_crossings_equal_independent_computation(
    broker: EmbeddedBroker, topic_prefix: str, shared_data: Path, tmp_path: Path
) -> None:
    path = shared_data / FILE
    if not path.is_file():
        pytest.skip(f"{path} absent: the Airwars replay needs ../shared/data (see its README)")
    rules = tmp_path / "rules.yaml"
    rules.write_text(RULES, encoding="utf-8")

    independent = read_rows(path)
    # The per-row sum below is only comparable if no incident code spans several rows with
    # a children figure (Vigil would treat such rows as revisions of one incident).
    assert independent.shared_codes() == {}
    sums = day_sums(independent.rows)
    expected = replay_crossings(independent.rows, THRESHOLD)
    starts = crossing_starts(sums, THRESHOLD)

    started = time.monotonic()
    (airwars,) = files = [read(Input("airwars", path), None)]
    prepared = prepare(files)
    assert sorted(r.row for r in airwars.rejected) == sorted(independent.rejected)
    assert len(prepared.reports) == len(independent.rows) and not prepared.future
    result = await replay(
        prepared.reports,
        bootstrap=broker.bootstrap,
        rules_file=rules,
        prefix=topic_prefix,
        label="airwars test",
        deadline_seconds=80,
    )
    elapsed = time.monotonic() - started
    print(
        f"airwars replay: {result.published} reports, {len(result.alerts)} transitions, "
        f"{elapsed:.1f} s ({result.phases})"
    )

    assert result.published == len(independent.rows)
    assert result.deadletters == 0
    assert "too_late" not in result.ignored
    assert not [a for a in result.alerts if a.late], "an event-time replay has no late report"
    crossings = into_critical(result.alerts)
    got = {key(a) for a in crossings}
    assert len(got) == len(crossings), "one crossing per (region, day)"

    # Exactly the crossings a one-row-at-a-time event-time replay must produce.
    assert got == expected, (sorted(got - expected), sorted(expected - got))
    # Never an alert for a region-day below the level.
    for alert in crossings:
        assert alert.value >= THRESHOLD and sums[key(alert)] >= THRESHOLD, alert.summary
    assert all(a.value < THRESHOLD for a in result.alerts if a.transition is Transition.RESOLVED)

    # Against the crossings of the full history (first day of each run of days >= 10):
    # every one is alerted; the extra ones are re-fires inside a run, where the first
    # report of the next day (of any region) moved the clock before the region's own.
    assert not starts - got, sorted(starts - got)
    for region, day in got - starts:
        assert sums[(region, day - timedelta(days=1))] >= THRESHOLD, (region, day)
