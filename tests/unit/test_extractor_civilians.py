"""The extractor fills the civilian measures when the text says civilians (issue 11: like
with like), beside killed / injured as before."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from schemas.reports import Figure
from services.extractor.domain import extract
from services.extractor.domain.casualties import sentence_figures

REPORTED = datetime(2024, 12, 2, 8, tzinfo=UTC)


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        ("Air strikes killed 12 civilians.", {"killed": "12", "civilians_killed": "12"}),
        ("One civilian was martyred in the shelling.", {"killed": "1", "civilians_killed": "1"}),
        (
            "At least 25 people, including 10 civilians, were killed.",
            {"killed": "at least 25", "civilians_killed": "at least 10"},
        ),
        (
            "Shelling wounded 5 civilians and killed two fighters.",
            {"killed": "2", "injured": "5", "civilians_injured": "5"},
        ),
        ("At least 25 people, including 10 children, were killed.", None),
        ("Two fighters were killed in clashes.", None),
    ],
)
def test_civilian_figures(sentence: str, expected: dict[str, str] | None) -> None:
    found = {k: f.describe() for k, f in sentence_figures(sentence).figures.items()}
    if expected is None:
        assert not any(k.startswith("civilians_") for k in found), found
    else:
        assert found == expected


def test_reports_carry_them_and_one_feed_per_text() -> None:
    text = "Air strikes killed 12 civilians in Sarmin in Idlib on Dec 1, the White Helmets said."
    [report] = extract(text, reported_at=REPORTED, default_country="SYR")
    assert report.casualties.civilians_killed == Figure.exact(12)
    assert report.casualties.killed == Figure.exact(12)
    assert report.feed is not None and report.feed.startswith("text:")
    [again] = extract(text + " ", reported_at=REPORTED, default_country="SYR")
    other = extract(text.replace("12", "13"), reported_at=REPORTED, default_country="SYR")
    assert again.feed == report.feed and other[0].feed != report.feed
