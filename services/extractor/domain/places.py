"""Countries, regions and towns named in text.

Regions (governorates) come from the shared gazetteer (services/common/gazetteer); towns,
villages and districts from GeoNames through ``Towns`` (placed in their region, with
coordinates); country names from ``countries.json`` beside this module (ISO 3166-1 names
plus common English aliases).

Rules:
- A place is a run of capitalised words (with the particles of Arabic names: al-, el-,
  ash- ...); its longest part that names a governorate or a town counts.
- A name used for an actor is not a place: "the Damascus government", "Aleppo-based",
  "Idlib authorities".
- A city that is its own region names the region around it when the text says so: "near
  Damascus", "the Damascus suburbs", "northeast of Damascus" are Rif Dimashq.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path

from schemas.reports import Admin1Source
from services.common.gazetteer import Gazetteer
from services.common.gazetteer.towns import Town, Towns


@dataclass(frozen=True)
class Place:
    country: str
    admin1: str
    start: int
    end: int
    name: str
    source: Admin1Source
    """``text``: a region named; ``place``: the region of a town or district named."""
    lat: float | None = None
    lon: float | None = None


@cache
def _country_pattern() -> tuple[re.Pattern[str], dict[str, str]]:
    data = json.loads((Path(__file__).parent / "countries.json").read_text(encoding="utf-8"))
    names: dict[str, str] = data["names"]
    alternatives = "|".join(re.escape(n) for n in sorted(names, key=len, reverse=True))
    return re.compile(rf"(?<![\w.])({alternatives})(?![\w])"), names


def countries_named(text: str) -> list[tuple[str, int]]:
    """(ISO3, offset) of each country name in ``text`` (case-sensitive: names are proper nouns)."""
    pattern, names = _country_pattern()
    return [
        (names[m.group(1)], m.start())
        for m in pattern.finditer(text)
        if not _ACTOR_AFTER.match(text[m.end(1) : m.end(1) + 20])  # "US-led": an actor
    ]


_LOCATIVE = re.compile(r"\bin\s+(?:(?:north|south|east|west|central)\w*\s+)?$")


def sentence_country(sentence: str) -> str | None:
    """The country a sentence places its event in ("in northwestern Syria"), if it says."""
    named = countries_named(sentence)
    for code, offset in named:
        if _LOCATIVE.search(sentence[max(0, offset - 30) : offset]):
            return code
    return None


_PARTICLE = r"(?:al|el|an|ar|as|ash|at|ad|az|ez|bin|ibn|abu|um)"
_CANDIDATE = re.compile(
    rf"(?<![\w'’‘-])(?:{_PARTICLE}-)?[A-Z][\w'’‘]*(?:-[\w'’‘]+)*"
    rf"(?:[ ](?:{_PARTICLE}(?:-[\w'’‘]+)?|[A-Z][\w'’‘]*(?:-[\w'’‘]+)*))*"
)
_ACTOR_AFTER = re.compile(
    r"^(?:-based|-backed|-led|-run|-made|-affiliated|-supported|-sponsored|-allied"
    r"|\s+(?:government|regime|authorities|administration|officials))\b",
    re.I,
)
_AROUND_BEFORE = re.compile(
    r"\b(?:near|outside|around|outskirts of|suburbs? of|countryside of|vicinity of|"
    r"(?:north|south|east|west)(?:east|west)?(?:ern)? of)\s+(?:the\s+)?"
    r"(?:(?:syrian\s+)?capital,?\s+)?$",
    re.IGNORECASE,
)
_AROUND_AFTER = re.compile(
    r"^\s+(?:suburbs?|countryside|outskirts|airport|area|vicinity|surroundings)\b", re.I
)
# "the government in Damascus", "named as Fatimah Mar'i al Rebdawi": not the event's place
_NOT_HERE_BEFORE = re.compile(
    r"\b(?:government|regime|authorities)\s+(?:in|of)\s+$|\b(?:named|named as|identified as|"
    r"called|nicknamed|aka)\s+(?:[A-Z][\w'’‘-]*\s+){0,4}$"
    r"|\bborn\s+(?:in\s+(?:19|20)[0-9][0-9]\s+)?in\s+$",
)
MAX_WORDS = 4
_PART_OF = re.compile(r"^\s+(?:neighbou?rhood|district|quarter)\s+(?:of|in)\b", re.I)


@lru_cache(maxsize=4096)
def _towns_named(name: str) -> tuple[Town, ...]:
    return tuple(Towns.default().lookup(name))


def _surrounding(text: str, start: int, end: int, place: Place) -> Place:
    around = Gazetteer.surroundings().get(place.country, {}).get(place.admin1)
    if around and (
        _AROUND_BEFORE.search(text[max(0, start - 30) : start])
        or _AROUND_AFTER.match(text[end : end + 20])
    ):
        return Place(place.country, around, start, end, place.name, place.source)
    return place


def regions(text: str, gazetteer: Gazetteer, country: str | None = None) -> list[Place]:
    """Places named in ``text``, in order: governorates, then towns and districts (of
    ``country`` only, when given: a Mexican "El Carmen" is no Syrian village)."""
    found: list[Place] = []
    taken: list[tuple[int, int]] = []
    for m in gazetteer.find(text):
        if _ACTOR_AFTER.match(text[m.end : m.end + 20]) or _NOT_HERE_BEFORE.search(
            text[max(0, m.start - 60) : m.start]
        ):
            continue
        place = Place(m.country, m.admin1, m.start, m.end, text[m.start : m.end], Admin1Source.TEXT)
        found.append(_surrounding(text, m.start, m.end, place))
        taken.append((m.start, m.end))
    for cand in _CANDIDATE.finditer(text):
        found += _towns_in(text, cand.start(), cand.group(), taken, country)
    return sorted(found, key=lambda p: p.start)


# "QAMISHLI, Syria (North Press) – ...", "Damascus, SANA- ...": the town a story was filed
# from opens it, before the agency's name and a dash.
_FILED = re.compile(
    r"^\W*[A-Z][\w'’ -]{1,30}?,\s*(?:Syria\s*,?\s*)?(?:\([^()]{1,30}\)|[A-Z]{2,10})\s*[-–—:]"
)


def filed_from(sentence: str) -> int:
    """End of a dateline's "TOWN, (Agency) -" opening the sentence, 0 when there is none."""
    m = _FILED.match(sentence)
    return m.end() if m else 0


# "the village of al-Hamidia in Qunaitra northern countryside", "Hoshan, Raqqa province": the
# governorate named right after a town contains it.
_CONTAINER = re.compile(r"^[^.;]{0,25}?\b(?:in|of)\s+(?:the\s+)?$|^\s*(?:village|town)?\s*,\s*$")


def contained(sentence: str, found: list[Place]) -> list[Place]:
    """``found`` with a first town that the governorate named right after it contradicts
    replaced by that governorate (a town's name recurs across governorates)."""
    if len(found) < 2 or found[0].source is not Admin1Source.PLACE:
        return found
    town, then = found[0], found[1]
    if then.source is not Admin1Source.TEXT or then.admin1 == town.admin1:
        return found
    if not _CONTAINER.match(sentence[town.end : then.start]):
        return found
    return [then, *found[2:]]


def _name_goes_on(word: str) -> bool:
    """The next word of the run continues an Arabic proper name ("Sulaiman al-Halabi"): a
    capitalised word alone may be a place word or a Title Case headline's, so it does not."""
    return re.match(rf"{_PARTICLE}-\w", word.casefold()) is not None  # "al-Halabi"


def _towns_in(
    text: str, offset: int, span: str, taken: list[tuple[int, int]], country: str | None
) -> list[Place]:
    """Towns named by parts of one capitalised run, longest parts first."""
    words = [(m.start(), m.end()) for m in re.finditer(r"\S+", span)]
    found: list[Place] = []
    used = [False] * len(words)
    for size in range(min(MAX_WORDS, len(words)), 0, -1):
        for i in range(len(words) - size + 1):
            if any(used[i : i + size]):
                continue
            start, end = offset + words[i][0], offset + words[i + size - 1][1]
            if any(a < end and start < b for a, b in taken):
                continue
            towns = [
                t for t in _towns_named(text[start:end]) if country is None or t.country == country
            ]
            if not towns or _ACTOR_AFTER.match(text[end : end + 20]):
                continue
            if _NOT_HERE_BEFORE.search(text[max(0, start - 60) : start]):
                continue
            if _PART_OF.match(text[end : end + 40]):
                continue  # "the Sulaymaniyah neighborhood of ... Aleppo": the city decides
            if i + size < len(words):
                nxt = (offset + words[i + size][0], offset + words[i + size][1])
                if _name_goes_on(text[nxt[0] : nxt[1]]) and not any(
                    a < nxt[1] and nxt[0] < b for a, b in taken
                ):
                    continue  # "Sulaiman al-Halabi": a longer name, not the town
            town = towns[0]
            place = Place(
                town.country,
                town.admin1,
                start,
                end,
                text[start:end],
                Admin1Source.PLACE,
                town.lat,
                town.lon,
            )
            found.append(_surrounding(text, start, end, place))
            used[i : i + size] = [True] * size
    return found


def document_country(text: str, gazetteer: Gazetteer, default: str | None = None) -> str | None:
    """The country most of the text is about: the country of its known regions, else of
    its known towns (only the default country's, when one is given), else the country it
    names most often (ties: the first named), else None."""
    found = Counter(m.country for m in gazetteer.find(text))
    if not found:
        found = Counter(p.country for p in regions(text, gazetteer, default))
    if found:
        return found.most_common(1)[0][0]
    named = countries_named(text)
    if not named:
        return None
    counts = Counter(code for code, _ in named)
    best = max(counts.values())
    return next(code for code, _ in named if counts[code] == best)
