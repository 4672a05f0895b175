"""Place names as the linker compares them (pure).

A place as sources write it ("Khafsa, Aleppo", "Kafr Naha village", "south of Saraqeb",
"Rayhaniyah/Tuwainiyah village") becomes a few *names*: the parts between commas,
slashes and brackets, folded (``gazetteer.fold``: case, accents, articles), without
descriptive words (village, town, near, south of ...) and without the name of a
governorate when something finer is given. Transliterations of one Arabic name
("Saraqib" / "Saraqeb", "Khan Shaykhun" / "Khan Sheikhoun", "Bayanoun" / "Bayanoon")
share a *key*: a consonant skeleton with the letters transliterations swap folded
together; incidents are compared only when they share a key, have coordinates close
together, or one of them names no place (``scoring.comparable``).

A resolved place (GeoNames through ``gazetteer.towns``) gives coordinates to a name
that came without them and its population: a big city's name is weak evidence.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from rapidfuzz import fuzz

from services.common.gazetteer import Gazetteer, fold
from services.common.gazetteer.towns import Town, Towns

MAX_NAMES = 4
FUZZY_MIN = 85.0
"""Below this ratio (rapidfuzz, 0-100) two names are different places."""

_SPLIT = re.compile(r"[,/;()\[\]|]+|\s+(?:and|in|at|near|between|of)\s+")
_DESCRIPTIVE = frozenset(
    {
        *("village", "villages", "town", "towns", "city", "cities", "suburb", "suburbs"),
        *("area", "areas", "farm", "farms", "field", "fields", "camp", "camps", "idp"),
        *("neighbourhood", "neighborhood", "district", "quarter", "countryside", "outskirts"),
        *("vicinity", "region", "governorate", "province", "sector", "plain", "road"),
        *("street", "building", "buildings", "market", "centre", "center", "downtown"),
        *("near", "outside", "around", "between", "surrounding", "rural", "old", "new"),
        *("north", "south", "east", "west", "northeast", "northwest", "southeast", "southwest"),
        *("northern", "southern", "eastern", "western", "northeastern", "northwestern"),
        *("southeastern", "southwestern", "of", "the", "and", "in", "at", "km", "kilometres"),
        *("kilometers", "miles", "several", "various", "multiple", "locations", "location"),
    }
)
_DIGRAPHS = (
    ("sch", "s"),
    ("sh", "s"),
    ("ch", "s"),
    ("kh", "k"),
    ("gh", "g"),
    ("th", "t"),
    ("dh", "d"),
    ("dj", "j"),
    ("ph", "f"),
    ("ck", "k"),
    ("ou", "u"),
    ("ee", "i"),
)
_LETTERS = str.maketrans({"q": "k", "c": "k", "z": "s", "x": "s", "v": "w", "p": "b", "e": "i"})
_VOWELS = re.compile(r"[aeiouyw]")
_FINAL_H = re.compile(r"(?<=[aeiou])h\b")


@lru_cache(maxsize=65536)
def key_of(name: str) -> str:
    """The matching key of a folded name: transliterations of one Arabic name agree on
    it (consonants only, the letters they swap folded together, spaces ignored)."""
    text = _FINAL_H.sub("", name).replace(" ", "")  # Raqqah / Raqqa
    for digraph, letter in _DIGRAPHS:
        text = text.replace(digraph, letter)
    text = text.translate(_LETTERS)
    head, rest = text[:1], _VOWELS.sub("", text[1:])
    bones = re.sub(r"(.)\1+", r"\1", head + rest)
    return bones if len(bones) >= 2 else text


@lru_cache(maxsize=65536)
def names_of(country: str, place: str | None, admin1: str | None) -> tuple[str, ...]:
    """The names a written place stands for (folded, at most ``MAX_NAMES``), finest first:
    a governorate's name only when nothing finer is written."""
    if not place:
        return ()
    gazetteer = Gazetteer.default()
    finer: list[str] = []
    regions: list[str] = []
    for part in _SPLIT.split(place):
        words = [w for w in fold(part).split() if w not in _DESCRIPTIVE and not w.isdigit()]
        name = " ".join(words)
        if len(name) < 2 or not name.isascii():
            continue
        is_region = gazetteer.canonical_admin1(country, name) is not None
        target = regions if is_region else finer
        if name not in target:
            target.append(name)
    return tuple((finer or regions)[:MAX_NAMES])


def similarity(a: tuple[str, ...], b: tuple[str, ...]) -> tuple[float, str, str]:
    """How alike two places' names are (1: the same name; 0.95: one key, a transliteration;
    0.85-1: a close spelling; 0: different places), and the pair of names that says so."""
    best = (0.0, "", "")
    for x in a:
        for y in b:
            if x == y:
                return (1.0, x, y)
            score = 0.95 if key_of(x) == key_of(y) else fuzz.ratio(x, y) / 100
            if score >= FUZZY_MIN / 100 and score > best[0]:
                best = (score, x, y)
    return best


@dataclass(frozen=True)
class Resolved:
    """A name found in the gazetteer: where it is, how many people live there."""

    lat: float
    lon: float
    population: int


@lru_cache(maxsize=65536)
def towns_named(country: str, name: str) -> tuple[Town, ...]:
    """``Towns.lookup``, remembered: a name is looked up once, whatever its governorate
    (an unknown name costs a fuzzy search)."""
    return tuple(Towns.default().lookup(name, country))


@lru_cache(maxsize=65536)
def resolve(country: str, name: str, admin1: str | None) -> Resolved | None:
    """The GeoNames place a name stands for in ``admin1`` (the most populous of that name
    there), or None when unknown or only found elsewhere."""
    found = [t for t in towns_named(country, name) if admin1 in (None, t.admin1)]
    if not found:
        return None
    town = found[0]
    return Resolved(town.lat, town.lon, town.population)
