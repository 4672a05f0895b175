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
# ACLED codes a vague plural ("several", "a number of", "many") as 10.
SEVERAL = {"several": 10}
_MANY_HEADS = frozenset(
    {"more", "others", "other", "people", "civilians", "persons", "wounded", "injured", "dead"}
)
_PARTITIVE = frozenset({"of", "them", "those"})
_PRONOUN_ENDS = frozenset(
    {"", ",", ".", ";", ":", ")", "and", "or", "in", "on", "at", "with", "near", "by", "from"}
    | {"during", "while", "when", "after", "before", "as"}
)
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
    (("as", "high", "as"), Qualifier.ABOUT),
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
_STARTS = (
    {words[0] for words, _ in _QUALIFIERS}
    | set(VAGUE)
    | set(UNITS)
    | set(SEVERAL)
    | {"between", "a", "an", "many", "another", "half"}
)
_NOT_COUNTS = words(
    "percent per % km kilometers kilometres kilometer kilometre meters metres miles mile m am pm "
    "a.m p.m hours hour minutes minute days day weeks week months month years year times decades "
    "nights night hrs mm pound kg tons tonnes"
)
# A number right after one of these capitalised nouns names a unit, a road or a place
# ("Division 17", "Route 5", "Brigade 93"), it does not count people.
NAME_NOUNS = words(
    "division brigade regiment battalion route highway road base airbase camp sector zone gate "
    "checkpoint station resolution article flight unit corps kilo block building square street "
    "no number level phase point post hill axis squadron wing group platoon company"
)


# Capitalised words after which a bracketed number is still a count ("(Killed 5)").
_NOT_NAMES = re.compile(
    r"^(?:killed|dead|died|deaths?|fatalit\w+|martyr\w*|injured|wounded|casualt\w+|victims?|"
    r"total|toll|civilians?|people|persons|fighters|soldiers|children|women|men)$"
)


_PARENTS = frozenset({"father", "mother", "parent", "grandfather", "grandmother"})
_ABBREVIATED = frozenset(MONTHS) | {"no", "nos"}


def _count_follows(tokens: list[Token], k: int) -> bool:
    if k < len(tokens) and tokens[k].low in ("the", "those", "these"):
        k += 1
    return k < len(tokens) and (ascii_digits(tokens[k].low[:1]) or tokens[k].low in UNITS)


def _none_of(tokens: list[Token], first: int) -> bool:
    """ "none of the 20 passengers", "neither of the two"."""
    k = first - 1
    if k >= 0 and tokens[k].low in ("the", "its", "their"):
        k -= 1
    return k > 0 and tokens[k].low == "of" and tokens[k - 1].low in ("none", "neither")


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
    vague: bool = False
    """A word, not a number ("several", "dozens"): never a coding statement."""


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
        low == "a"
        and i + 1 < len(tokens)
        and tokens[i + 1].low in ("hundred", "thousand", "dozen", "million")
    ):
        value = 1
    elif low == "half" and i + 2 < len(tokens) and tokens[i + 1].low == "a":
        if tokens[i + 2].low == "million":
            return 500_000, i + 3  # "half a million"
        return None
    if value is None:
        return None
    i += 1
    for word, factor in (("dozen", 12), ("hundred", 100), ("thousand", 1000), ("million", 10**6)):
        if i < len(tokens) and tokens[i].low == word:
            value *= factor
            i += 1
            if word == "hundred" and i + 1 < len(tokens) and tokens[i].low == "and":
                rest = _word_number(tokens, i + 1)
                if rest is not None and rest[0] < 100:
                    value, i = value + rest[0], rest[1]
    return value, i


def _glued(tokens: list[Token], first: int, last: int) -> bool:
    """Digits glued to letters ("M4", "App4", "2125521KQalaat") are names or page debris."""
    head, tail = tokens[first], tokens[last - 1]
    if not ascii_digits(head.low[:1]):
        return False
    if first > 0 and tokens[first - 1].end == head.start and tokens[first - 1].low[-1:].isalpha():
        return True
    return last < len(tokens) and tokens[last].start == tail.end and tokens[last].low[:1].isalpha()


def _glued_pair(tokens: list[Token], a: int, colon: int, b: int) -> bool:
    """Digits, ":" and digits written without spaces (a time)."""
    return (
        ascii_digits(tokens[a].low[:1])
        and ascii_digits(tokens[b].low[:1])
        and tokens[a].end == tokens[colon].start
        and tokens[colon].end == tokens[b].start
    )


def _is_name(tokens: list[Token], first: int) -> bool:
    """ "Division 17", "Route 5", "F-16", "MiG-29": a number that is part of a name."""
    if first == 0 or not ascii_digits(tokens[first].low[:1]):
        return False
    before = tokens[first - 1]
    if before.low in NAME_NOUNS and before.text[:1].isupper():
        return True
    if before.low == "-" and first > 1:
        word = tokens[first - 2]
        return word.end == before.start and word.text[:1].isupper() and len(word.text) <= 4
    return False


def _is_count_context(tokens: list[Token], first: int, last: int) -> bool:
    """False for dates, years, ages, times, percentages, measures and names."""
    if _glued(tokens, first, last) or _is_name(tokens, first):
        return False
    before = tokens[first - 1].low if first > 0 else ""
    after = tokens[last].low if last < len(tokens) else ""
    after2 = tokens[last + 1].low if last + 1 < len(tokens) else ""
    text = tokens[last - 1].low
    if before in MONTHS or after in MONTHS or before == "/" or after == "/":
        return False
    if before == "." and first > 1 and tokens[first - 2].low in _ABBREVIATED:
        return False  # "On Oct. 22, a man ...", "building No. 12": a day, a name
    if first > 1 and before == "of" and tokens[first - 2].low in _PARENTS:
        return False  # "a father of three was killed": his children, not victims
    if text in ("one", "1") and after == "of" and _count_follows(tokens, last + 1):
        return False  # "he was one of 5 people killed": one of a count, not one more
    if before == "no" or _none_of(tokens, first):
        return False  # "no one was killed", "none of the 20 passengers were hurt"
    # "10:30" is a time; "Syria: 2 more soldiers" and "reached 166: 114 fighters" are not.
    if before == ":" and first > 1 and _glued_pair(tokens, first - 2, first - 1, first):
        return False
    if after == ":" and last + 1 < len(tokens) and _glued_pair(tokens, last - 1, last, last + 1):
        return False
    # "Deir Ezzor 24, which covers ...": a number closing a proper name before a comma.
    if (
        first > 1
        and tokens[first - 1].text[:1].isupper()
        and tokens[first - 2].text[:1].isupper()
        and before not in MONTHS
        and after in {",", ")"}
        and ascii_digits(tokens[first].low[:1])
    ):
        return False
    if after in _NOT_COUNTS or (after == "-" and after2.startswith(("year", "month", "day", "km"))):
        return False
    if (
        before == ","
        and after in {",", ")"}
        and first > 1
        and tokens[first - 2].text[:1].isupper()
        and tokens[first - 2].low.isalpha()
        and ascii_digits(text)
        and int(text) < 120
    ):
        return False  # "Khaled Omar, 34, was killed": an age between commas after a name
    if _after_aged(tokens, first):
        return False  # "children aged from four to 10": ages
    if after.split("-", 1)[0] in _NOT_COUNTS:
        return False  # "an 11 years-old child", "a 3-day-old": an age or a span
    if (
        after == ")"
        and first > 1
        and tokens[first - 2].low == "("
        and tokens[first - 1].text[:1].isupper()
        and before.isalpha()
        and not _NOT_NAMES.match(before)
    ):
        return False  # "ERBIL (Kurdistan 24) -": a number closing a name in brackets
    if ascii_digits(text) and len(text) == 4 and 1900 <= int(text) <= 2100 and last - first == 1:
        return False
    # "on 9, ..." / "since 27." are day numbers whose month was given earlier.
    return not (before in {"on", "since", "until"} and after in {",", "."} and ascii_digits(text))


_AGE_RANGE = frozenset({"from", "between", "to", "and", "-"})


def _after_aged(tokens: list[Token], first: int) -> bool:
    """ "aged 40", "aged from four to 10", "ages between 6 and 12": the number is an age."""
    for k in range(first - 1, max(-1, first - 5), -1):
        low = tokens[k].low
        if low in ("aged", "ages"):
            return True
        if low not in _AGE_RANGE and _word_number(tokens, k) is None:
            return False
    return False


def find_counts(tokens: list[Token]) -> list[Count]:
    """Every count in the sentence, left to right, with its qualifier."""
    counts: list[Count] = []
    i = 0
    while i < len(tokens):
        found = _count_at(tokens, i)
        if found is None:
            i = _past_range(tokens, i)
            continue
        counts.append(found)
        i = found.last
    return counts


def _past_range(tokens: list[Token], i: int) -> int:
    """Index after a "between N and M" that is not a count ("between 24 and 30 years of
    age"), so its numbers are not read alone; else i + 1."""
    if tokens[i].low != "between":
        return i + 1
    first = _word_number(tokens, i + 1)
    if first and first[1] < len(tokens) and tokens[first[1]].low in ("and", "to"):
        second = _word_number(tokens, first[1] + 1)
        if second is not None:
            return second[1]
    return i + 1


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
    nxt = tokens[j + 1].low if j + 1 < len(tokens) else ""
    after = tokens[j + 2].low if j + 2 < len(tokens) else ""
    if (low in SEVERAL and nxt not in _NOT_COUNTS | _PARTITIVE) or (
        low == "many" and nxt in _MANY_HEADS
    ):
        return Count(Figure.about(SEVERAL.get(low, 10)), i, j + 1, vague=True)
    if low == "another" and qualifier is Qualifier.EXACT and _word_number(tokens, j + 1) is None:
        # "injured another": one more person; "another civilian": an article-like count
        pronoun = nxt in _PRONOUN_ENDS
        return Count(Figure.exact(1), i, j + 1, article=not pronoun)
    if low in ("a", "an") and nxt == "number" and after == "of":
        if j + 3 < len(tokens) and tokens[j + 3].low in _PARTITIVE:
            return None  # "killing a number of them": the figure is given elsewhere, if at all
        return Count(Figure.about(10), i, j + 3, vague=True)
    if low in VAGUE:
        if j + 1 < len(tokens) and tokens[j + 1].low in MONTHS:
            return None
        if nxt == "of" and after in ("thousands", "millions"):
            # "hundreds of thousands": at least 100,000
            factor = 1000 if after == "thousands" else 1_000_000
            return Count(Figure.at_least(VAGUE[low] * factor), i, j + 3, vague=True)
        return Count(Figure.at_least(VAGUE[low]), i, j + 1, vague=True)
    if low == "between":
        first = _word_number(tokens, j + 1)
        if first and first[1] < len(tokens) and tokens[first[1]].low in ("and", "to"):
            second = _word_number(tokens, first[1] + 1)
            ok = second is not None and first[0] <= second[0] <= MAX_FIGURE
            if second is not None and ok and _is_count_context(tokens, j + 1, second[1]):
                return Count(Figure.between(first[0], second[0]), i, second[1])
        return None
    if low in ("a", "an") and not (
        j + 1 < len(tokens) and tokens[j + 1].low in ("hundred", "thousand", "dozen", "million")
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
