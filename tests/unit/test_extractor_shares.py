"""Divided figures and coding statements (hand-written sentences in a coder's style)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from schemas.reports import Figure
from services.extractor.domain import extract
from services.extractor.domain.casualties import sentence_figures
from services.extractor.domain.shares import share_of

REPORTED = datetime(2024, 12, 2, tzinfo=UTC)


@pytest.mark.parametrize(
    ("before", "sentence", "whole", "expected"),
    [
        (
            "Fighting took place near Beit Alpha.",
            "12 fatalities split between 3 events, with 5 allocated to Beit Alpha and 4 to Kafr "
            "Beta and 3 to Tal Gamma.",
            12,
            5,
        ),
        (
            "Fighting took place near Tal Gamma.",
            "12 fatalities split between 3 events, with 5 allocated to Beit Alpha and 4 to Kafr "
            "Beta and 3 to Tal Gamma.",
            12,
            3,
        ),
        (
            "Shelling hit Kafr Beta.",
            "Unknown fatalities coded as 10 and split, with Beit Alpha and Kafr Beta each "
            "allocated 3 and Tal Gamma and Deir Delta each allocated 2.",
            10,
            3,
        ),
        (
            "Shelling hit Deir Delta.",
            "Total fatalities of 9 are split as follows: 4 Beit Alpha, 3 Kafr Beta, 2 Deir Delta.",
            9,
            2,
        ),
        ("Clashes near Tal Gamma.", "The 8 fatalities are divided 2 on each location.", 8, 2),
        ("Clashes near Tal Gamma.", "Unknown fatalities coded as 10 spread over 3 events.", 10, 3),
        ("Clashes near Tal Gamma.", "Fatalities split between Beit Alpha and Tal Gamma.", 7, 3),
        ("Clashes near Kafr Beta.", "The toll is divided 6/5 on Beit Alpha and Kafr Beta.", 11, 5),
        (
            "Raids on Omega.",  # not named in the division: the value for all other places
            "10 fatalities split between 6 locations, with Beit Alpha allocated 5 fatalities and "
            "all other locations allocated 1.",
            10,
            1,
        ),
        (
            "Raids on Kafr Beta.",
            "Fatalities are coded 4 to Beit Alpha and 2 to Kafr Beta.",
            6,
            2,
        ),
        ("Raids on Kafr Beta.", "Five people were killed and two were wounded.", 5, None),
        ("Raids on Kafr Beta.", "Each of the 4 men was wounded.", None, None),
    ],
)
def test_share_of_the_place_the_text_is_about(
    before: str, sentence: str, whole: int | None, expected: int | None
) -> None:
    assert share_of(sentence, before, whole) == expected


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        ("Fatalities coded as 0 (a local outlet reported 6 fatalities).", "0"),
        ("An unknown number of fatalities coded to 10 for a total of 13.", "13"),
        ("Two soldiers were killed; the total number of fatalities was coded as 5.", "5"),
        ("Sources reported 20 dead, but 8 fatalities coded.", "8"),
    ],
)
def test_coding_statement_overrides_narrative(sentence: str, expected: str) -> None:
    found = sentence_figures(sentence)
    assert found.figures["killed"].describe() == expected and found.rank == 2


@pytest.mark.parametrize(
    ("text", "killed"),
    [
        (
            "Clashes took place in Kafr Beta in Idlib, killing at least 15 fighters. 15 fatalities "
            "split between 2 events, with 8 allocated to Kafr Beta and 7 allocated to Beit Alpha.",
            Figure.exact(8),
        ),
        (
            "Five fighters were killed in Idlib. Fatalities were distributed over two locations: "
            "Aleppo and Idlib.",
            Figure.exact(2),  # the division does not move the story to Aleppo
        ),
        (
            "Gunmen killed 3 people in Idlib. Fatalities coded as 2. Total fatalities coded as 4.",
            Figure.exact(4),  # a later coding statement corrects an earlier one
        ),
    ],
)
def test_division_in_a_whole_text(text: str, killed: Figure) -> None:
    [report] = extract(text, reported_at=REPORTED, default_country="SYR")
    assert report.casualties.killed == killed
