"""Fuzzing the extractor: any text gives valid reports or the documented RejectedInput."""

from __future__ import annotations

import time
from datetime import UTC, datetime

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from schemas.reports import IncidentReport
from services.common.errors import RejectedInput
from services.extractor.domain import MAX_TEXT_CHARS, extract

WORDS = st.sampled_from(
    [
        "at",
        "least",
        "killed",
        "injured",
        "including",
        "children",
        "women",
        "people",
        "Idlib",
        "Syria",
        "Aleppo",
        "on",
        "Dec",
        "1",
        "since",
        "Nov",
        "27",
        "between",
        "and",
        "about",
        "dozens",
        "hundreds",
        "a",
        "child",
        "twenty-five",
        "seven",
        "25",
        "10",
        ",",
        ".",
        "-",
        "according",
        "to",
        "the",
        "White",
        "Helmets",
        "witnesses",
        "said",
        "unverified",
        "air",
        "strikes",
        "by",
        "Russia",
        "yesterday",
        "Sunday",
        "2016",
        "fatalities",
        "coded",
        "as",
        "0",
        "100000000",
        "of",
        "whom",
        "were",
    ]
)
# Random unicode (hypothesis never yields lone surrogates in st.text), casualty-like word
# soup, and repetitions either small or beyond MAX_TEXT_CHARS (up to ~1.4 MB).
REPEATS = st.one_of(st.integers(1, 300), st.integers(60_000, 70_000))
TEXT = st.one_of(
    st.text(max_size=2000),
    st.lists(WORDS, max_size=300).map(" ".join),
    st.tuples(st.text(min_size=1, max_size=20), REPEATS).map(lambda t: t[0] * t[1]),
)
WHEN = st.datetimes(
    min_value=datetime(1900, 1, 2), max_value=datetime(2200, 1, 1), timezones=st.just(UTC)
)


@settings(
    max_examples=80,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(text=TEXT, when=st.one_of(st.none(), WHEN), country=st.sampled_from([None, "SYR", "AFG"]))
def test_any_text_gives_valid_reports_quickly(
    text: str, when: datetime | None, country: str | None
) -> None:
    started = time.monotonic()
    try:
        reports = extract(text, reported_at=when, default_country=country)
    except RejectedInput as exc:
        assert exc.kind == "too_large" and len(text) > MAX_TEXT_CHARS
        return
    assert time.monotonic() - started < 5
    for report in reports:
        IncidentReport.model_validate_json(report.model_dump_json())


def test_oversized_text_is_rejected_fast() -> None:
    started = time.monotonic()
    try:
        extract("killed " * 150_000, reported_at=datetime(2024, 1, 1, tzinfo=UTC))
    except RejectedInput as exc:
        assert exc.kind == "too_large"
    else:
        raise AssertionError("1 MB of text should be rejected")
    assert time.monotonic() - started < 1


def test_largest_accepted_text_is_bounded_in_time() -> None:
    text = ("At least 5 people were killed in Idlib on Dec 1. " * 2000)[:MAX_TEXT_CHARS]
    assert len(text) == MAX_TEXT_CHARS
    started = time.monotonic()
    reports = extract(text, reported_at=datetime(2024, 12, 2, tzinfo=UTC))
    assert reports and time.monotonic() - started < 5
