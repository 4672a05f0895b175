"""Text normalisation and sentence splitting for wire copy and ACLED-style notes."""

from __future__ import annotations

import itertools
import re
import unicodedata
from dataclasses import dataclass

from .scrape import stamps


def words(text: str) -> frozenset[str]:
    """A vocabulary written as one space-separated string (easier to read and to extend)."""
    return frozenset(text.split())


def word_list(text: str) -> list[str]:
    return text.split()


_DASHES = str.maketrans({"\u2013": "-", "\u2014": "-", "\u2212": "-", "\u2010": "-", "\u2011": "-"})
_QUOTES = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"', "\u00a0": " "})
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")
_ABBREVIATIONS = words(
    "jan feb mar apr jun jul aug sep sept oct nov dec mr mrs ms dr st gen col lt sgt capt maj no "
    "approx vs etc u.s u.k u.n e.g i.e km inc corp"
)
# A sentence ends at . ! ? (optionally closed by a quote or bracket) before white space,
# and also at a period glued to a capitalised word ("city.Total fatalities"), a common
# typing slip in ACLED notes.
_BOUNDARY = re.compile(
    r"(?<=[.!?])[\"')\]]?\s+(?=[\"'(\[]?[A-Z0-9])|(?<=[a-z]{2}\.)(?=[A-Z][a-z]|\d+ [a-z])"
)


_ENDS = ".!?:\"')"
_WRAPPED = re.compile(r"(?<=[^.!?:\"'\n])\n(?=[a-z0-9(])")


def normalise(text: str) -> str:
    """NFC, typographic dashes and quotes folded, control characters and lone surrogates
    removed, runs of spaces collapsed (newlines kept: they separate paragraphs)."""
    text = unicodedata.normalize("NFC", _CONTROL.sub(" ", text))
    text = text.translate(_DASHES).translate(_QUOTES)
    lines = [" ".join(line.split()) for line in text.splitlines()]
    kept: list[str] = []
    for line in lines:
        # Hard-wrapped copy: a long line that does not end a sentence goes on in the next.
        if line and kept and len(kept[-1]) >= 60 and kept[-1][-1] not in _ENDS:
            kept[-1] += " " + line
        elif line:
            kept.append(line)
    joined = "\n".join(kept)
    # A line break inside a sentence (hard-wrapped copy) is a space: the line does not end
    # a sentence and the next one starts in lower case.
    return _WRAPPED.sub(" ", joined)


@dataclass(frozen=True)
class Sentence:
    index: int
    start: int
    text: str
    headline: bool = False
    """Text of the first paragraph before a date stamp: a headline ("US-led raids killed 14
    jihadists AFP Thursday 25 Sep 2014 A series of strikes ...")."""


def sentences(text: str) -> list[Sentence]:
    """Split normalised text into sentences (paragraph breaks always end a sentence)."""
    found: list[Sentence] = []
    offset = 0
    for paragraph in text.split("\n"):
        cuts = [0]
        for start, end in stamps(paragraph):
            cuts += [start, end]
        cuts.append(len(paragraph))
        for a, b in itertools.pairwise(cuts):
            if b > a:
                before = len(found)
                _split(found, paragraph[a:b], offset + a)
                if offset == 0 and len(cuts) > 2 and b <= cuts[1]:
                    found[before:] = [
                        Sentence(x.index, x.start, x.text, headline=True) for x in found[before:]
                    ]
        offset += len(paragraph) + 1
    return found


def _split(found: list[Sentence], piece: str, offset: int) -> None:
    last = 0
    for m in _BOUNDARY.finditer(piece):
        before = piece[last : m.start()].rstrip("\"')] ")
        word = before.rsplit(" ", 1)[-1].rstrip(".").casefold()
        if word in _ABBREVIATIONS or (len(word) == 1 and word.isalpha()):
            continue
        _add(found, piece[last : m.start()], offset + last)
        last = m.end()
    _add(found, piece[last:], offset + last)


def _add(found: list[Sentence], chunk: str, start: int) -> None:
    chunk = chunk.strip()
    if chunk:
        found.append(Sentence(len(found), start, chunk))
