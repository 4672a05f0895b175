"""Property-based fuzzing of ``services.common.codec.decode(IncidentReport, bytes)``.

Every input must end in exactly one of two ways: an ``IncidentReport`` (which then
round-trips through the publisher's encoding), or ``RejectedInput`` with a reason. Any
other exception, a hang or a crash fails the test. Inputs: garbage bytes, invalid UTF-8,
random JSON, valid reports with fields replaced by wrong types, negative and huge numbers,
dates far in the past or future, deep nesting (up to 100k levels), multi-megabyte bodies.

The strategies here are reused by the HTTP fuzzing in ``test_ingest_fuzz.py``. Scale the
number of examples with ``VIGIL_FUZZ_EXAMPLES`` (default 400 per test).
"""

from __future__ import annotations

import contextlib
import copy
import json
import os
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from schemas.reports import MAX_FIGURE, IncidentReport
from services.common.codec import MAX_RECORD_BYTES, decode
from services.common.errors import RejectedInput
from services.common.publisher import encode_report
from services.ingest.testing import FuzzTally, sample_report

EXAMPLES = int(os.environ.get("VIGIL_FUZZ_EXAMPLES", "400"))
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
MIB = 1024 * 1024


class Raw(str):
    """JSON text inserted verbatim (tokens json.dumps cannot produce, e.g. ``1e400``)."""


def dump(value: Any) -> bytes:
    raws: list[str] = []

    def default(obj: Any) -> Any:  # pragma: no cover - only Raw is unknown
        raise TypeError(type(obj))

    def mark(obj: Any) -> Any:
        if isinstance(obj, Raw):
            raws.append(str(obj))
            return f"\x00RAW{len(raws) - 1}\x00"
        if isinstance(obj, dict):
            return {k: mark(v) for k, v in obj.items()}
        if isinstance(obj, list):
            return [mark(v) for v in obj]
        return obj

    text = json.dumps(mark(value), default=default)
    for i, raw in enumerate(raws):
        text = text.replace(json.dumps(f"\x00RAW{i}\x00"), raw)
    return text.encode("utf-8", errors="surrogatepass")


OFFSETS = [UTC, timezone(timedelta(hours=14)), timezone(-timedelta(hours=12, minutes=59))]
nasty_ints = st.one_of(
    st.integers(-1000, 1000),
    st.integers(-(2**80), 2**80),
    st.sampled_from([-1, 0, MAX_FIGURE, MAX_FIGURE + 1, 2**31, 2**63, 2**64, -(2**63), 10**100]),
)
raw_numbers = st.sampled_from(
    ["1e400", "-1e400", "NaN", "Infinity", "-Infinity", "-0", "1E-400", "1" * 5000]
).map(Raw)
date_strings = st.one_of(
    st.datetimes(
        min_value=datetime(1, 1, 1),
        max_value=datetime(9999, 12, 31, 23, 59, 59),
        timezones=st.sampled_from([*OFFSETS, None]),
    ).map(lambda d: d.isoformat()),
    st.sampled_from(
        [
            "0000-01-01T00:00:00Z",
            "+275760-09-13T00:00:00Z",
            "-000001-01-01T00:00:00Z",
            "2024-02-30T00:00:00Z",
            "2024-12-01",
            "9999-12-31T23:59:59Z",
            "9999-12-31T23:59:59-12:00",
            "1899-12-31T23:59:59Z",
            "2024-12-01T00:00:00+25:00",
            "",
            "now",
            "2024-12-01T00:00:00.9999999999Z",
        ]
    ),
    nasty_ints,  # pydantic reads numbers as Unix time
)
scalars = st.one_of(
    st.none(),
    st.booleans(),
    nasty_ints,
    raw_numbers,
    date_strings,
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=40),
    st.sampled_from(["SYR", "syr", "air_strike", "at_least", "range", "\u0000", "\ud800"]),
)
FIELDS = [*IncidentReport.model_fields, "value", "low", "high", "qualifier", "country"]
json_values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(st.sampled_from(FIELDS) | st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=16,
)


@st.composite
def deep(draw: st.DrawFn) -> Raw:
    depth = draw(st.one_of(st.integers(1, 300), st.integers(300, 100_000)))
    opener, closer = draw(st.sampled_from([("[", "]"), ('{"a":', "}"), ('{"killed":', "}")]))
    return Raw(opener * depth + "1" + closer * depth)


PATHS: list[tuple[str, ...]] = [
    ("report_id",),
    ("incident_id",),
    ("schema_version",),
    ("source",),
    ("source", "name"),
    ("source", "kind"),
    ("reported_at",),
    ("occurred_at",),
    ("occurred_precision",),
    ("period_start",),
    ("kind",),
    ("location",),
    ("location", "country"),
    ("location", "admin1"),
    ("location", "lat"),
    ("location", "lon"),
    ("event_type",),
    ("alleged_perpetrators",),
    ("casualties",),
    ("casualties", "killed"),
    ("casualties", "killed", "value"),
    ("casualties", "killed", "qualifier"),
    ("casualties", "killed", "low"),
    ("casualties", "injured"),
    ("casualties", "children_killed", "value"),
    ("verification",),
    ("text",),
    ("unknown",),
]


def set_path(doc: dict[str, Any], path: tuple[str, ...], value: Any) -> None:
    node = doc
    for key in path[:-1]:
        child = node.get(key)
        if not isinstance(child, dict):
            child = node[key] = {}
        node = child
    node[path[-1]] = value


@st.composite
def mutated_reports(draw: st.DrawFn) -> dict[str, Any]:
    """A valid report with 0-3 fields replaced or deleted."""
    doc = copy.deepcopy(
        sample_report(draw(st.from_regex(r"[A-Za-z0-9][A-Za-z0-9._-]{0,20}", fullmatch=True)))
    )
    for _ in range(draw(st.integers(0, 3))):
        path = draw(st.sampled_from(PATHS))
        if draw(st.integers(0, 5)) == 0:
            doc.pop(path[0], None)
        else:
            set_path(doc, path, draw(st.one_of(json_values, date_strings, deep())))
    return doc


@st.composite
def invalid_utf8(draw: st.DrawFn) -> bytes:
    body = dump(draw(mutated_reports()))
    bad = draw(
        st.sampled_from(
            [b"\xff", b"\xc3\x28", b"\xed\xa0\x80", b"\xc0\xaf", b"\xf8\x88\x80\x80\x80", b"\x80"]
        )
    )
    at = draw(st.integers(0, len(body)))
    return body[:at] + bad + body[at:]


@st.composite
def big_bodies(draw: st.DrawFn, max_bytes: int = 3 * MIB) -> bytes:
    size = draw(
        st.one_of(
            st.integers(0, max_bytes),
            st.sampled_from([MAX_RECORD_BYTES - 300, MAX_RECORD_BYTES + 1]),
        )
    )
    shape = draw(st.sampled_from(["text", "garbage", "numbers", "perpetrators"]))
    # json.dumps, not dump(): these bodies hold no Raw tokens and walking them is slow.
    if shape == "text":
        return json.dumps(sample_report(text="x" * max(size - 500, 0))).encode()
    if shape == "garbage":
        return bytes([draw(st.integers(0, 255))]) * size
    if shape == "numbers":
        return b"[" + b"1," * (size // 2) + b"1]"
    return json.dumps(sample_report(alleged_perpetrators=["a"] * (size // 4))).encode()


bodies = st.one_of(
    st.binary(max_size=2000),
    invalid_utf8(),
    json_values.map(dump),
    mutated_reports().map(dump),
    deep().map(dump),
    big_bodies(),
)


@pytest.fixture
def tally(request: pytest.FixtureRequest) -> FuzzTally:
    return FuzzTally.of(request.config)


def test_decode_accepts_or_rejects_every_input(tally: FuzzTally) -> None:
    @FUZZ
    @given(body=bodies)
    def run(body: bytes) -> None:
        try:
            report = decode(IncidentReport, body)
        except RejectedInput as exc:
            assert exc.reason and exc.kind in ("decode", "validation")
            tally.add("codec.decode", f"rejected:{exc.kind}")
        else:
            assert decode(IncidentReport, encode_report(report)) == report
            tally.add("codec.decode", "accepted")

    run()


def test_mutated_valid_reports_are_accepted_sometimes(tally: FuzzTally) -> None:
    """Guards the generators: they must produce valid reports too, not only garbage."""
    accepted = 0

    @FUZZ
    @given(doc=mutated_reports())
    def run(doc: dict[str, Any]) -> None:
        nonlocal accepted
        try:
            decode(IncidentReport, dump(doc))
            accepted += 1
            tally.add("codec.decode mutated", "accepted")
        except RejectedInput:
            tally.add("codec.decode mutated", "rejected")

    run()
    assert accepted > 0


@pytest.mark.parametrize(
    ("reported_at", "occurred_at"),
    [
        ("9999-12-31T23:00:00Z", "2024-12-01T00:00:00Z"),
        ("9999-12-31T23:59:59-12:00", "9999-12-31T00:00:00Z"),
    ],
)
def test_dates_at_the_end_of_the_calendar_do_not_crash(reported_at: str, occurred_at: str) -> None:
    # Found by this fuzzing: IncidentReport._times computed reported_at + 1 day, which
    # overflows past 9999-12-31 and raised OverflowError (a crash in every consumer).
    body = dump(sample_report(reported_at=reported_at, occurred_at=occurred_at))
    with contextlib.suppress(RejectedInput):
        decode(IncidentReport, body)
