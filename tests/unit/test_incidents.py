"""Incidents from reports: event positions, revisions, duplicates, combining sources."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from schemas.incidents import ClassifiedIncident
from schemas.reports import Figure, Precision, Verification
from services.aggregator.domain.filters import NO_FILTER, ValueSpec
from services.aggregator.domain.incidents import (
    CombinePolicy,
    IncidentView,
    Outcome,
    build_view,
    event_position,
    group_fields,
    group_key,
    merge_report,
    source_key,
)
from tests.factories import T0, classified, report

PLUS3 = timezone(timedelta(hours=3))
MINUS5 = timezone(timedelta(hours=-5))
PLUS530 = timezone(timedelta(hours=5, minutes=30))


def ts(year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0) -> float:
    return datetime(year, month, day, hour, minute, second, tzinfo=UTC).timestamp()


@pytest.mark.parametrize(
    ("occurred", "precision", "expected"),
    [
        (
            datetime(2024, 12, 1, 17, 45, 12, tzinfo=UTC),
            Precision.EXACT,
            ts(2024, 12, 1, 17, 45, 12),
        ),
        (datetime(2024, 12, 1, 17, 45, 12, tzinfo=UTC), Precision.HOUR, ts(2024, 12, 1, 17)),
        (datetime(2024, 12, 1, 17, 45, 12, tzinfo=UTC), Precision.DAY, ts(2024, 12, 1)),
        (datetime(2024, 12, 1, 0, 0, tzinfo=UTC), Precision.DAY, ts(2024, 12, 1)),
        # day precision: the calendar date *as written*, at 00:00 UTC, whatever the offset
        (datetime(2024, 12, 1, 1, 0, tzinfo=PLUS3), Precision.DAY, ts(2024, 12, 1)),
        (datetime(2024, 12, 1, 23, 0, tzinfo=PLUS3), Precision.DAY, ts(2024, 12, 1)),
        (datetime(2024, 12, 1, 22, 0, tzinfo=MINUS5), Precision.DAY, ts(2024, 12, 1)),
        # hour and exact are instants: the offset is honoured
        (datetime(2024, 12, 1, 2, 30, tzinfo=PLUS3), Precision.HOUR, ts(2024, 11, 30, 23)),
        (datetime(2024, 12, 1, 2, 30, tzinfo=PLUS3), Precision.EXACT, ts(2024, 11, 30, 23, 30)),
        (datetime(1969, 12, 31, 23, 30, tzinfo=UTC), Precision.HOUR, ts(1969, 12, 31, 23)),
        # hour precision truncates to the UTC hour (for a half-hour offset, not the local one)
        (datetime(2024, 12, 1, 10, 45, tzinfo=PLUS530), Precision.HOUR, ts(2024, 12, 1, 5)),
    ],
)
def test_event_position(occurred: datetime, precision: Precision, expected: float) -> None:
    assert event_position(occurred, precision) == expected


def test_source_key_folds_case_and_spaces() -> None:
    a = classified(report("r1", source="White  Helmets "))
    b = classified(report("r2", source="white helmets"))
    assert source_key(a) == source_key(b) == "white helmets"


def rep(
    report_id: str,
    *,
    source: str = "WH",
    reported: float = 1.0,
    children: Figure | int | None = None,
    killed: Figure | int | None = None,
    verification: Verification = Verification.REPORTED,
    region: str = "Idlib",
    hours: float = 0.0,
) -> ClassifiedIncident:
    return classified(
        report(
            report_id,
            "inc",
            source=source,
            reported_hours=reported,
            children=children,
            killed=killed,
            verification=verification,
            region=region,
            hours=hours,
        )
    )


def merge_all(
    *incidents: ClassifiedIncident,
) -> tuple[list[Outcome], dict[str, ClassifiedIncident]]:
    reports: dict[str, ClassifiedIncident] = {}
    outcomes = []
    for incident in incidents:
        outcome, reports = merge_report(reports, incident)
        outcomes.append(outcome)
    return outcomes, reports


A, D, S = Outcome.APPLIED, Outcome.DUPLICATE, Outcome.SUPERSEDED


@pytest.mark.parametrize(
    ("stream", "outcomes", "kept"),
    [
        ([rep("r1")], [A], {"wh": "r1"}),
        ([rep("r1"), rep("r1")], [A, D], {"wh": "r1"}),
        ([rep("r1", reported=1), rep("r2", reported=2)], [A, A], {"wh": "r2"}),
        # an older revision arriving late changes nothing
        ([rep("r2", reported=2), rep("r1", reported=1)], [A, S], {"wh": "r2"}),
        # equal reported_at: the higher report_id is the newer, in either order
        ([rep("r1"), rep("r2")], [A, A], {"wh": "r2"}),
        ([rep("r2"), rep("r1")], [A, S], {"wh": "r2"}),
        # another source is another slot, not a revision
        ([rep("r1"), rep("s1", source="SOHR")], [A, A], {"wh": "r1", "sohr": "s1"}),
        ([rep("r1", source="WH"), rep("r2", source="wh ", reported=2)], [A, A], {"wh": "r2"}),
        # redelivering the superseded one after the newer: still nothing
        ([rep("r1"), rep("r2", reported=2), rep("r1")], [A, A, S], {"wh": "r2"}),
    ],
)
def test_merge_report(
    stream: list[ClassifiedIncident], outcomes: list[Outcome], kept: dict[str, str]
) -> None:
    got, reports = merge_all(*stream)
    assert got == outcomes
    assert {k: v.report.report_id for k, v in reports.items()} == kept


def test_merge_does_not_mutate_its_input() -> None:
    _, before = merge_all(rep("r1"))
    snapshot = dict(before)
    merge_report(before, rep("r2", reported=5))
    assert before == snapshot


SPECS = tuple(
    ValueSpec(f"{measure}:{end}", measure, end, NO_FILTER)
    for measure, end in (
        ("children_killed", "low"),
        ("children_killed", "high"),
        ("killed", "low"),
        ("incidents", "low"),
    )
)
KC, KCH, KK, KI = (spec.key for spec in SPECS)
GROUPINGS = (("country",), ("country", "admin1"))


def view(
    *incidents: ClassifiedIncident,
    policy: CombinePolicy = CombinePolicy.MAX_RELIABLE,
    unreliable: frozenset[str] = frozenset({"rumours"}),
) -> IncidentView:
    _, reports = merge_all(*incidents)
    return build_view("inc", reports, SPECS, GROUPINGS, unreliable, policy)


MR, MX, LR = CombinePolicy.MAX_RELIABLE, CombinePolicy.MAX, CombinePolicy.LATEST_RELIABLE


@pytest.mark.parametrize(
    ("policy", "reports", "children"),
    [
        (MR, [rep("a", children=4)], 4),
        (MR, [rep("a", children=4), rep("b", source="SOHR", children=6)], 6),  # max, not sum
        (MR, [rep("a", children=4), rep("b", source="Rumours", children=30)], 4),
        # an unreliable source counts only when no reliable one has the figure
        (MR, [rep("a", killed=3), rep("b", source="Rumours", children=30)], 30),
        (MR, [rep("b", source="Rumours", children=30)], 30),
        (MR, [rep("a", killed=3)], None),
        (MX, [rep("a", children=4), rep("b", source="Rumours", children=30)], 30),
        # latest_reliable: the newest reliable report's figure, even if lower
        (
            LR,
            [rep("a", children=9, reported=1), rep("b", source="SOHR", children=4, reported=2)],
            4,
        ),
        (
            LR,
            [rep("a", children=9, reported=3), rep("b", source="SOHR", children=4, reported=2)],
            9,
        ),
        (
            LR,
            [rep("a", children=4, reported=1), rep("b", source="Rumours", children=9, reported=5)],
            4,
        ),
        (LR, [rep("b", source="Rumours", children=9)], 9),
    ],
)
def test_combine_policies(
    policy: CombinePolicy, reports: list[ClassifiedIncident], children: int | None
) -> None:
    v = view(*reports, policy=policy)
    assert v.values.get(KC) == children
    assert v.value(KC) == (children or 0)
    assert v.values[KI] == 1  # an incident counts once whatever its sources


def test_range_figures_per_value_key() -> None:
    v = view(rep("a", children=Figure.between(3, 8), killed=Figure.at_least(25)))
    assert (v.values[KC], v.values[KCH], v.values[KK]) == (3, 8, 25)


def test_range_low_and_high_may_come_from_different_sources() -> None:
    v = view(
        rep("a", children=Figure.between(3, 8)),
        rep("b", source="SOHR", children=Figure.exact(5)),
    )
    assert (v.values[KC], v.values[KCH]) == (5, 8)


def test_revision_replaces_the_sources_figure() -> None:
    v = view(
        rep("a", children=Figure.at_least(10)), rep("a2", children=Figure.at_least(12), reported=2)
    )
    assert v.values[KC] == 12
    assert list(v.reports) == ["wh"]
    v = view(rep("a", children=12), rep("a2", children=7, reported=2))
    assert v.values[KC] == 7  # revisions can go down


def test_time_and_place_from_the_newest_report() -> None:
    v = view(
        rep("a", region="Idlib", hours=0, reported=1),
        rep("b", source="SOHR", region="Aleppo", hours=5, reported=2),
    )
    assert v.primary.report.report_id == "b"
    assert v.position == (T0 + timedelta(hours=5)).timestamp()
    assert v.groups == {("country",): "SYR", ("country", "admin1"): "SYR/Aleppo"}


@pytest.mark.parametrize(
    ("statuses", "expected"),
    [
        ([("WH", Verification.REPORTED)], Verification.REPORTED),
        ([("WH", Verification.UNVERIFIED)], Verification.UNVERIFIED),
        ([("WH", Verification.DISPUTED)], Verification.DISPUTED),
        ([("WH", Verification.CONFIRMED)], Verification.CONFIRMED),
        (
            [("WH", Verification.UNVERIFIED), ("SOHR", Verification.DISPUTED)],
            Verification.CONFIRMED,
        ),
        # two reliable sources confirm each other; an unreliable one does not
        ([("WH", Verification.REPORTED), ("SOHR", Verification.REPORTED)], Verification.CONFIRMED),
        (
            [("WH", Verification.REPORTED), ("Rumours", Verification.REPORTED)],
            Verification.REPORTED,
        ),
        # an unreliable source's status counts for nothing: it can neither confirm nor dispute
        (
            [("WH", Verification.UNVERIFIED), ("Rumours", Verification.DISPUTED)],
            Verification.UNVERIFIED,
        ),
        (
            [("WH", Verification.REPORTED), ("Rumours", Verification.CONFIRMED)],
            Verification.REPORTED,
        ),
        ([("Rumours", Verification.CONFIRMED)], Verification.CONFIRMED),
    ],
)
def test_verification(statuses: list[tuple[str, Verification]], expected: Verification) -> None:
    reports = [
        rep(f"r{i}", source=source, verification=status, children=1)
        for i, (source, status) in enumerate(statuses)
    ]
    assert view(*reports).verification is expected


def test_source_figures_mark_the_used_one() -> None:
    v = view(
        rep("a", children=Figure.at_least(10)),
        rep("b", source="SOHR", children=Figure.between(6, 14)),
        rep("c", source="Rumours", children=40),
        rep("d", source="Witness", killed=7),
    )
    rows = {r.source: r for r in v.source_figures("children_killed", "low")}
    assert {s: (r.figure, r.value, r.reliable, r.used) for s, r in rows.items()} == {
        "WH": ("at least 10", 10, True, True),
        "SOHR": ("6-14", 6, True, False),
        "Rumours": ("40", 40, False, False),
        "Witness": (None, None, True, False),
    }
    high = {r.source: (r.value, r.used) for r in v.source_figures("children_killed", "high")}
    assert high["SOHR"] == (14, True) and high["WH"] == (10, False)
    assert not any(r.used for r in v.source_figures("incidents", "low"))


@pytest.mark.parametrize(
    ("region", "grouping", "key"),
    [
        ("Idleb", ("country",), "SYR"),
        ("Idleb", ("country", "admin1"), "SYR/Idlib"),
        ("Idleb", ("country", "admin1", "admin2"), "SYR/Idlib/?"),
        ("Atlantis", ("country", "admin1"), "SYR/Atlantis"),
    ],
)
def test_group_key(region: str, grouping: tuple[str, ...], key: str) -> None:
    incident = classified(report("r", region=region))
    assert group_key(incident, grouping) == key
    assert group_fields(key, grouping) == dict(zip(grouping, key.split("/"), strict=True))
