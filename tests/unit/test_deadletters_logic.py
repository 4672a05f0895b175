"""Dead-letter tool rules: decoding entries, selecting, formatting, planning a re-drive."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest

from schemas.deadletters import DeadLetter
from services.common.deadletter import REDRIVEN_HEADER, dead_letter
from services.common.errors import RejectedInput
from tests.factories import classified, report
from tools.deadletters.logic import (
    Entry,
    format_line,
    missing_offsets,
    original_report,
    parse_entry,
    plan_redrive,
    preview,
    select,
    to_json,
)

FAILED = datetime(2024, 12, 2, 7, 30, 5, tzinfo=UTC)


def letter(
    service: str = "classifier", value: bytes | None = b'{"bad": 1}', **kw: Any
) -> DeadLetter:
    fields: dict[str, Any] = {
        "service": service,
        "reason": "report_id: Field required",
        "error_type": "validation",
        "topic": "vigil.reports.v1",
        "partition": 2,
        "offset": 41,
        "key": b"SYR",
        "value": value,
        "headers": [("trace", b"abc")],
        "now": FAILED,
    }
    fields.update(kw)
    return dead_letter(**fields)


def entry(offset: int = 7, **kw: Any) -> Entry:
    return Entry(0, offset, None, letter(**kw))


BROKEN = Entry(0, 9, 1_733_124_605_000, None, "not a DeadLetter: oops")


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        (None, "not a DeadLetter: record has no value (tombstone)"),
        (b"\xff", "not a DeadLetter: value is not UTF-8"),
        (b"{", "not a DeadLetter: "),
        (b"{}", "not a DeadLetter: service: Field required"),
    ],
)
def test_parse_entry_problems(value: bytes | None, problem: str) -> None:
    got = parse_entry(1, 5, 123, value)
    assert (got.partition, got.offset, got.timestamp_ms, got.letter) == (1, 5, 123, None)
    assert got.problem is not None and got.problem.startswith(problem)


def test_parse_entry_ok() -> None:
    dl = letter()
    got = parse_entry(0, 3, None, dl.model_dump_json().encode())
    assert got.letter == dl and got.problem is None


@pytest.mark.parametrize(
    ("service", "limit", "offsets"),
    [
        (None, None, [1, 2, 9, 3]),
        ("classifier", None, [1, 9, 3]),  # undecodable entries always show
        ("aggregator", None, [2, 9]),
        (None, 2, [1, 2]),
        ("classifier", 2, [1, 9]),
        (None, 0, []),
        ("nobody", None, [9]),
    ],
)
def test_select(service: str | None, limit: int | None, offsets: list[int]) -> None:
    entries = [entry(1), entry(2, service="aggregator"), BROKEN, entry(3)]
    assert [e.offset for e in select(entries, service=service, limit=limit)] == offsets


@pytest.mark.parametrize(
    ("reason", "service", "offsets"),
    [
        ("too_late", None, [2, 4]),
        ("too_late", "aggregator", [4]),
        ("conflict", None, [3]),
        ("validation", None, [1]),
        ("nothing", None, []),  # undecodable entries show only when no reason is asked
    ],
)
def test_select_by_reason(reason: str, service: str | None, offsets: list[int]) -> None:
    entries = [
        entry(1),
        entry(2, error_type="too_late"),
        entry(3, service="aggregator", error_type="conflict"),
        BROKEN,
        entry(4, service="aggregator", error_type="too_late"),
    ]
    got = select(entries, service=service, limit=None, reason=reason)
    assert [e.offset for e in got] == offsets


def test_the_report_inside_a_dead_letter() -> None:
    rep = report("r1", killed=3)
    from_aggregator = entry(1, value=classified(rep).model_dump_json().encode())
    from_classifier = entry(2, value=rep.model_dump_json().encode())
    assert original_report(from_aggregator) == rep == original_report(from_classifier)
    for bad in (entry(3, value=b"garbage"), entry(4, value=None), BROKEN):
        with pytest.raises(RejectedInput, match="offset"):
            original_report(bad)


@pytest.mark.parametrize(
    ("data", "width", "expected"),
    [
        (None, 80, "(no value)"),
        (b"", 80, ""),
        (b'{"a":\n   1}', 80, '{"a": 1}'),
        (b"x" * 10, 10, "x" * 10),
        (b"x" * 11, 10, "xxxxxxx..."),
        (b"\xff\xfeok", 80, "\\xff\\xfeok"),
        ("إدلب".encode(), 80, "إدلب"),
    ],
)
def test_preview(data: bytes | None, width: int, expected: str) -> None:
    assert preview(data, width) == expected
    assert len(preview(data, width)) <= width


def test_format_line_for_a_dead_letter() -> None:
    line = format_line(entry(7), width=40)
    head, value = line.split("\n")
    assert head == (
        "0:7  2024-12-02T07:30:05Z  classifier  vigil.reports.v1[2]@41  "
        "validation: report_id: Field required"
    )
    assert value == '    value: {"bad": 1}'


def test_format_line_uses_utc_for_an_offset_failed_at() -> None:
    at_plus3 = FAILED.astimezone(timezone(timedelta(hours=3)))
    assert "2024-12-02T07:30:05Z" in format_line(Entry(0, 1, None, letter(now=at_plus3)))


@pytest.mark.parametrize(
    ("item", "expected"),
    [
        (BROKEN, "0:9  2024-12-02T07:30:05Z  not a DeadLetter: oops"),
        (Entry(0, 9, None, None, "gone"), "0:9  -  gone"),
    ],
)
def test_format_line_for_a_broken_entry(item: Entry, expected: str) -> None:
    assert format_line(item) == expected


def test_to_json() -> None:
    data = json.loads(to_json(entry(7)))
    assert data["partition"] == 0 and data["offset"] == 7
    assert data["dead_letter"]["service"] == "classifier"
    assert data["value_preview"] == '{"bad": 1}'
    assert json.loads(to_json(BROKEN)) == {"partition": 0, "offset": 9, "problem": BROKEN.problem}


def test_plan_redrive_keeps_key_headers_and_value() -> None:
    plan = plan_redrive(entry(7))
    assert (plan.offset, plan.topic, plan.key, plan.value) == (
        7,
        "vigil.reports.v1",
        b"SYR",
        b'{"bad": 1}',
    )
    assert plan.headers == [("trace", b"abc"), (REDRIVEN_HEADER, b"7")]
    assert plan.describe() == (
        f"dead letter 7 -> vigil.reports.v1 (key b'SYR', 10 bytes, headers: trace, "
        f"{REDRIVEN_HEADER})"
    )


def test_plan_redrive_with_a_fixed_value_elsewhere_replaces_an_earlier_redrive_header() -> None:
    headers = [(REDRIVEN_HEADER, b"3"), ("trace", b"abc")]
    plan = plan_redrive(entry(8, headers=headers), value=b"{}", to_topic="other")
    assert (plan.topic, plan.value) == ("other", b"{}")
    assert plan.headers == [("trace", b"abc"), (REDRIVEN_HEADER, b"8")]


def test_plan_redrive_without_value_or_key() -> None:
    plan = plan_redrive(entry(1, value=None, key=None, headers=[]))
    assert (plan.key, plan.value) == (None, None)
    assert plan.describe().endswith(f"(key None, no value, headers: {REDRIVEN_HEADER})")


def test_plan_redrive_refuses_a_broken_entry() -> None:
    with pytest.raises(RejectedInput) as info:
        plan_redrive(BROKEN)
    assert info.value.kind == "redrive"
    assert info.value.reason == "offset 9: not a DeadLetter: oops"


@pytest.mark.parametrize(
    ("wanted", "found", "missing"),
    [([1, 2, 3], [1, 3], [2]), ([5, 5, 6], [], [5, 5, 6]), ([], [1], []), ([4], [4], [])],
)
def test_missing_offsets(wanted: list[int], found: list[int], missing: list[int]) -> None:
    assert missing_offsets(wanted, [entry(o) for o in found]) == missing
