"""A figure divided between several places or events, and the share of the one the text is about.

Coders and bulletins often state one figure for several places and then divide it ("10
fatalities split between 3 events, with 4 allocated to X and 3 each to Y and Z", "Total
fatalities of 24 are split as follows: 5 Zmar, 5 Jazraya ...", "divided 2 on each location",
"distributed over three events"). The text is about one of those places, so its killed
figure is that place's share, not the whole. Rules:

- A division sentence names a division verb (split, divided, distributed, spread,
  allocated, apportioned) or "N each" / "N per event" / "N a piece".
- Its shares are read as (value, places) items: "N (fatalities) (allocated|coded) to P",
  "P (each) allocated N", "P (N)", "N P" after "as follows", "N/M on P and Q".
  "each (location) allocated N", "N each", "N per event" give one value to every place.
- The place the text is about is the listed place it names first *before* the division
  sentence (notes open with the event's own place); its item's value is the share. With
  no listed place named before, the share for unlisted places ("all other locations
  allocated 1"), else the most common value (ties: the first listed).
- With no values at all, the whole is divided evenly between the number of events or
  places stated ("between the 3 locations", "over Jobar and Ein Terma"): whole // count,
  the share most of the places get when the whole does not divide exactly.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from .numbers import TENS, UNITS
from .text import words

_NUM = r"((?i:\d{1,6}|" + "|".join(sorted((*UNITS, *TENS), key=len, reverse=True)) + r"))"
_CUE = re.compile(
    r"\bcoded\b.*\b(?:to|in|at)\s+[A-Z]|"
    r"(?i:\b(split|divided|distributed|spread|allocated|apportioned|a piece|apiece|"
    r"per (?:event|location|area)|each)\b)"
)
_STOP = words(
    "total fatalities fatality unknown these the this those clashes other others remaining "
    "casualties deaths with and all each events event locations location areas"
)
# A place name: capitalised words, with the particles that sit inside Arabic place names.
_NAME = r"(?:[A-Z][\w'/-]*|(?:al|el|as|ad|ar|ash|at|az)-[\w'-]+)"
_JOIN = r"(?:\s+(?:[A-Z][\w'/-]*|(?:al|el|as|ad|ar|ash|at|az)(?:-[\w'-]+)?|bin|of|de))*"
_PLACE = rf"{_NAME}{_JOIN}"
_PLACES = rf"(?P<places>{_PLACE}(?:(?:\s*,\s*|\s+)(?:and\s+|&\s+)?(?:the\s+)?{_PLACE})*)"
_FAT = r"(?:\s+(?:fatalit\w+|deaths?|killed|dead|people|fighters?))?"
_ITEMS = (
    # "4 (fatalities) (each) (are) allocated to X", "3 each to Y and Z", "5 in Ar-Raqqa"
    re.compile(
        rf"\b{_NUM}{_FAT}(?:\s+each)?(?:\s+(?:is|are|were|was))?"
        r"(?:\s+(?:allocated|coded|attributed|assigned|noted|recorded|reported))?(?:\s+each)?"
        r"\s+(?:to|in|at|on|for)\s+(?:each\s+(?!of\b))?(?:fighting\s+(?:at|in)\s+|clashes\s+"
        rf"(?:at|in)\s+)?(?:the\s+)?(?:village\s+of\s+|town\s+of\s+)?{_PLACES}"
    ),
    # "X and Y each allocated 3", "Kafr Zeita allocated 4", "Batish (3)", "Qasabiyeh 12"
    re.compile(
        rf"{_PLACES}(?:\s+(?:neighbou?rhoods?|areas?|villages?|towns?|locations?|events?))?"
        r"(?:\s+each)?(?:\s+(?:is|are|were|was))?"
        r"(?:\s+(?:allocated|coded(?:\s+(?:at|to|as))?|with)|\s*:)?(?:\s+each)?\s*\(?"
        rf"{_NUM}\b(?![/-])"
    ),
    # "as follows: 11 Raffa, 11 Um Jalal"
    re.compile(rf"\b{_NUM}\s+(?!each\b){_PLACES}"),
)
_SEQUENCE = re.compile(
    rf"\b(?P<seq>\d+(?:\s*/\s*\d+)+)\s+(?:on|to|in|for|between)\s+(?:the\s+)?{_PLACES}"
)
_UNIFORM = re.compile(
    rf"\beach\s+(?:(?:location|event|area|place|side)\s+)?(?:allocated|coded|with|receiving)"
    rf"\s+{_NUM}\b|\b{_NUM}{_FAT}\s+(?:each(?!\s+(?:\w+\s+)?(?:to|in|at)\s+[A-Z])|a piece|"
    r"apiece|per\s+(?:event|location|area)|"
    r"(?:(?:is|are)\s+)?(?:allocated|coded|noted)?\s*(?:to|at|on|for)\s+each"
    r"(?:\s+(?:of|location|event|area|place|one)\b|\s*[,.);]|$))"
    rf"|\b(?:all\s+)?other\s+(?:locations|events|areas)\s+(?:each\s+)?(?:allocated|coded)\s+{_NUM}",
    re.IGNORECASE,
)
_PLACE_BEFORE = re.compile(r"[A-Z][\w'-]*\s*$")
_COUNT = re.compile(
    rf"\b(?:between|over|across|among|amongst|on|into|to)\s+(?:the\s+)?{_NUM}\s+(?:known\s+)?"
    r"(?:\w+\s+)?(?:events|locations|areas|activities|places|fronts|sites|villages|towns)\b",
    re.IGNORECASE,
)
_LISTED = re.compile(
    rf"\b(?:between|over|on|across|among)\s+(?:the\s+)?(?:(?:locations|events|activities)\s+"
    rf"(?:in\s+|of\s+)?|(?:\w+\s+)?(?:locations|events|areas)\s*:\s*)?{_PLACES}"
)


_VERB = re.compile(
    r"\b(split|divided|distributed|spread|apportioned|allocated|a piece|apiece|each)\b", re.I
)


def _opening(text: str) -> str:
    end = re.search(r"[.!?]\s", text)
    return text[: end.end()] if end else text


@dataclass(frozen=True)
class Share:
    value: int
    places: tuple[str, ...]


def _value(raw: str) -> int:
    low = raw.casefold()
    return int(low) if low.isdigit() else UNITS.get(low, TENS.get(low, 0))


def _names(raw: str) -> tuple[str, ...]:
    parts = re.split(r"\s*,\s*|\s+and\s+|\s*&\s*", raw)
    names = [re.sub(r"^(?:the|and)\s+", "", p.strip(), flags=re.IGNORECASE) for p in parts]
    return tuple(n for n in names if len(n) > 2 and n.split()[0].casefold() not in _STOP)


def is_division(sentence: str) -> bool:
    return bool(_CUE.search(sentence))


def shares(sentence: str) -> tuple[list[Share], int | None]:
    """The (value, places) items a division sentence states, and a value for every other
    place ("each allocated 2", "all other locations allocated 1") if it states one."""
    items: list[tuple[int, Share]] = []
    taken: list[tuple[int, int]] = []
    for m in _SEQUENCE.finditer(sentence):
        values = [int(v) for v in re.split(r"\s*/\s*", m.group("seq"))]
        names = _names(m.group("places"))
        if len(names) == len(values):
            items += [(m.start(), Share(v, (n,))) for v, n in zip(values, names, strict=True)]
            taken.append(m.span())
    for pattern in _ITEMS:
        for m in pattern.finditer(sentence):
            if any(a <= m.start() < b or a < m.end() <= b for a, b in taken):
                continue
            names = _names(m.group("places"))
            at = pattern.groupindex["places"]
            value = next(g for i, g in enumerate(m.groups(), 1) if g and i != at)
            if names:
                items.append((m.start(), Share(_value(value), names)))
                taken.append(m.span())
    uniform = next(
        (
            _value(g)
            for m in _UNIFORM.finditer(sentence)
            if not _PLACE_BEFORE.search(sentence[: m.start()])  # "X each allocated 3"
            for g in m.groups()
            if g
        ),
        None,
    )
    return [s for _, s in sorted(items, key=lambda i: i[0])], uniform


def even_parts(sentence: str) -> int | None:
    """How many events or places a figure is divided between, when the sentence says so."""
    m = _COUNT.search(sentence)
    if m:
        return _value(m.group(1)) or None
    m = _LISTED.search(sentence)
    if m:
        return len(_names(m.group("places"))) or None
    return None


def _first(folded: str, share: Share) -> int:
    """Where the text first names one of the share's places as a word (-1: nowhere)."""
    found = [
        m.start()
        for n in share.places
        if (m := re.search(rf"(?<!\w){re.escape(n.casefold())}(?!\w)", folded))
    ]
    return min(found, default=-1)


def share_of(sentence: str, before: str, whole: int | None) -> int | None:
    """This text's share of a figure the sentence divides, or None (no division stated).

    ``before``: the text before the sentence (to tell which place the text is about);
    ``whole``: the figure being divided (for even division), if known."""
    if not is_division(sentence):
        return None
    items, uniform = shares(sentence)
    items = [s for s in items if whole is None or s.value < whole]
    if not _VERB.search(sentence) and len(items) < 2:
        return None  # "coded 6 to X": only a list of at least two shares divides
    if items:
        # With a value for all other places, only the opening sentence names this one.
        folded = (_opening(before) if uniform is not None else before).casefold()
        found = [(pos, k, s) for k, s in enumerate(items) if (pos := _first(folded, s)) >= 0]
        if found:
            return min(found)[2].value
        if uniform is not None:
            return uniform
        counts = Counter(s.value for s in items)
        best = max(counts.values())
        return next(s.value for s in items if counts[s.value] == best)
    if uniform is not None:
        return uniform
    parts = even_parts(sentence)
    if (
        whole is not None
        and parts
        and parts > 1
        and re.search(
            r"\b(split|divided|distributed|spread|apportioned|allocated)\b", sentence, re.I
        )
    ):
        return whole // parts
    return None
