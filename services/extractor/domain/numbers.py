"""Counts written in English: digits, number words, vague plurals, qualifiers and ranges.

Conventions (ACLED's where it has one): "dozens" = at least 12, "a dozen" = 12,
"scores" = at least 20, "tens" = at least 10, "hundreds" = at least 100, "thousands" =
at least 1000. "more than / over N" is kept as at least N (the source's own floor).
"a/an" counts as 1 only when a person noun follows (decided by the caller, flag
``article``). Dates, years, ages, times, percentages and ordinals are not counts.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from schemas.reports import MAX_FIGURE, Figure, Qualifier

from .text import word_list, words

TOKEN = re.compile(
    r"[0-9]+(?:,[0-9]{3})*(?:\.[0-9]+)?(?:st|nd|rd|th)?|[A-Za-z]+(?:['-][A-Za-z]+)*|\S"
)

UNITS = {
    w: i
    for i, w in enumerate(
        word_list(
            "zero one two three four five six seven eight nine ten eleven twelve thirteen "
            "fourteen fifteen sixteen seventeen eighteen nineteen"
        )
    )
}
TENS = {
    w: 10 * (i + 2)
    for i, w in enumerate(word_list("twenty thirty forty fifty sixty seventy eighty ninety"))
}
VAGUE = {"dozens": 12, "scores": 20, "tens": 10, "hundreds": 100, "thousands": 1000}
MONTHS = {
    m: i + 1
    for i, names in enumerate(
        (
            "january jan",
            "february feb",
            "march mar",
            "april apr",
            "may",
            "june jun",
            "july jul",
            "august aug",
            "september sep sept",
            "october oct",
            "november nov",
            "december dec",
        )
    )
    for m in names.split()
}
_QUALIFIERS: tuple[tuple[tuple[str, ...], Qualifier], ...] = (
    (("at", "least"), Qualifier.AT_LEAST),
    (("no", "fewer", "than"), Qualifier.AT_LEAST),
    (("no", "less", "than"), Qualifier.AT_LEAST),
    (("not", "less", "than"), Qualifier.AT_LEAST),
    (("more", "than"), Qualifier.AT_LEAST),
    (("upwards", "of"), Qualifier.AT_LEAST),
    (("over",), Qualifier.AT_LEAST),
    (("as", "many", "as"), Qualifier.ABOUT),
    (("up", "to"), Qualifier.ABOUT),
    (("an", "estimated"), Qualifier.ABOUT),
    (("estimated",), Qualifier.ABOUT),
    (("about",), Qualifier.ABOUT),
    (("around",), Qualifier.ABOUT),
    (("nearly",), Qualifier.ABOUT),
    (("almost",), Qualifier.ABOUT),
    (("approximately",), Qualifier.ABOUT),
    (("roughly",), Qualifier.ABOUT),
    (("some",), Qualifier.ABOUT),
)
_QUALIFIERS_BY_FIRST: dict[str, list[tuple[tuple[str, ...], Qualifier]]] = {}
for _words, _qual in _QUALIFIERS:
    _QUALIFIERS_BY_FIRST.setdefault(_words[0], []).append((_words, _qual))
_STARTS = {words[0] for words, _ in _QUALIFIERS} | set(VAGUE) | set(UNITS) | {"between", "a", "an"}
_NOT_COUNTS = words(
    "percent per % km kilometers kilometres kilometer kilometre meters metres miles mile m am pm "
    "a.m p.m hours hour minutes minute days day weeks week months month years year times decades"
)


def ascii_digits(text: str) -> bool:
    """str.isdigit() also accepts "²" and other digits int() refuses."""
    return text.isascii() and text.isdigit()


@dataclass(frozen=True)
class Token:
    text: str
    low: str
    start: int
    end: int


@dataclass(frozen=True)
class Count:
    """A count found in a sentence: tokens ``first``..``last`` (exclusive) hold it."""

    figure: Figure
    first: int
    last: int
    article: bool = False


def tokenize(sentence: str) -> list[Token]:
    return [
        Token(m.group(), m.group().casefold(), m.start(), m.end()) for m in TOKEN.finditer(sentence)
    ]


def _word_number(tokens: list[Token], i: int) -> tuple[int, int] | None:
    """(value, next index) of a number written in words or digits at ``i``."""
    if i >= len(tokens):
        return None
    low = tokens[i].low
    if ascii_digits(low[0]):
        if "." in low or not ascii_digits(low[-1]):
            return None
        digits = low.replace(",", "")
        return (int(digits), i + 1) if digits and len(digits) <= 8 else None
    value: int | None = None
    parts = low.split("-")
    if len(parts) == 2 and parts[0] in TENS and parts[1] in UNITS and 0 < UNITS[parts[1]] < 10:
        value = TENS[parts[0]] + UNITS[parts[1]]
    elif low in TENS:
        value = TENS[low]
        if i + 1 < len(tokens) and tokens[i + 1].low in UNITS and 0 < UNITS[tokens[i + 1].low] < 10:
            value += UNITS[tokens[i + 1].low]
            i += 1
    elif low in UNITS:
        value = UNITS[low]
    elif (
        low == "a" and i + 1 < len(tokens) and tokens[i + 1].low in ("hundred", "thousand", "dozen")
    ):
        value = 1
    if value is None:
        return None
    i += 1
    for word, factor in (("dozen", 12), ("hundred", 100), ("thousand", 1000)):
        if i < len(tokens) and tokens[i].low == word:
            value *= factor
            i += 1
            if word == "hundred" and i + 1 < len(tokens) and tokens[i].low == "and":
                rest = _word_number(tokens, i + 1)
                if rest is not None and rest[0] < 100:
                    value, i = value + rest[0], rest[1]
    return value, i


def _is_count_context(tokens: list[Token], first: int, last: int) -> bool:
    """False for dates, years, ages, times, percentages and measures."""
    before = tokens[first - 1].low if first > 0 else ""
    after = tokens[last].low if last < len(tokens) else ""
    after2 = tokens[last + 1].low if last + 1 < len(tokens) else ""
    text = tokens[last - 1].low
    if before in MONTHS or after in MONTHS or before in {"/", ":"} or after in {"/", ":"}:
        return False
    if after in _NOT_COUNTS or (after == "-" and after2.startswith(("year", "month", "day", "km"))):
        return False
    if ascii_digits(text) and len(text) == 4 and 1900 <= int(text) <= 2100 and last - first == 1:
        return False
    # "on 9, ..." / "since 27." are day numbers whose month was given earlier.
    return not (before in {"on", "since", "until"} and after in {",", "."} and ascii_digits(text))


def find_counts(tokens: list[Token]) -> list[Count]:
    """Every count in the sentence, left to right, with its qualifier."""
    counts: list[Count] = []
    i = 0
    while i < len(tokens):
        found = _count_at(tokens, i)
        if found is None:
            i += 1
            continue
        counts.append(found)
        i = found.last
    return counts


def _may_start_count(low: str) -> bool:
    head = low.split("-", 1)[0]
    return ascii_digits(low[:1]) or low in _STARTS or head in TENS


def _count_at(tokens: list[Token], i: int) -> Count | None:
    if not _may_start_count(tokens[i].low):
        return None  # the common case, decided cheaply
    qualifier = Qualifier.EXACT
    j = i
    for phrase, qual in _QUALIFIERS_BY_FIRST.get(tokens[i].low, ()):
        if tuple(t.low for t in tokens[i : i + len(phrase)]) == phrase:
            qualifier, j = qual, i + len(phrase)
            break
    low = tokens[j].low if j < len(tokens) else ""
    if low in VAGUE:
        if j + 1 < len(tokens) and tokens[j + 1].low in MONTHS:
            return None
        return Count(Figure.at_least(VAGUE[low]), i, j + 1)
    if low == "between":
        first = _word_number(tokens, j + 1)
        if first and first[1] < len(tokens) and tokens[first[1]].low in ("and", "to"):
            second = _word_number(tokens, first[1] + 1)
            ok = second is not None and first[0] <= second[0] <= MAX_FIGURE
            if second is not None and ok and _is_count_context(tokens, j + 1, second[1]):
                return Count(Figure.between(first[0], second[0]), i, second[1])
        return None
    if low in ("a", "an") and not (
        j + 1 < len(tokens) and tokens[j + 1].low in ("hundred", "thousand", "dozen")
    ):
        if qualifier is not Qualifier.EXACT:
            return None
        last = j + 1
        ages = [t.low for t in tokens[last : last + 3]]
        if (
            len(ages) == 3
            and ascii_digits(ages[0])
            and ages[1] == "-"
            and ages[2].startswith("year")
        ):
            last += 3  # "a 15-year-old boy": the age belongs to the article's noun group
        return Count(Figure.exact(1), i, last, article=True)
    number = _word_number(tokens, j)
    if number is None:
        return None
    value, end = number
    if value > MAX_FIGURE or not _is_count_context(tokens, j, end):
        return None
    # "5 to 8", "5-8", "two or three": a range.
    if end + 1 < len(tokens) and tokens[end].low in ("to", "-", "or"):
        second = _word_number(tokens, end + 1)
        if (
            second
            and value < second[0] <= MAX_FIGURE
            and _is_count_context(tokens, end + 1, second[1])
        ):
            return Count(Figure.between(value, second[0]), i, second[1])
    if qualifier is Qualifier.EXACT:
        return Count(Figure.exact(value), i, end)
    return Count(Figure(qualifier=qualifier, value=value), i, end)
