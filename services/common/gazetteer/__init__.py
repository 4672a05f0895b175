"""Region normalisation: many spellings of a region, one canonical key.

Pure code over the YAML data files beside this module (one per country, see SYR.yaml).
``Gazetteer.default()`` loads them all; tests may build one from a mapping.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

import yaml

from schemas.incidents import RegionRef

from .folding import fold

__all__ = ["DATA_DIR", "Gazetteer", "Match", "fold"]

DATA_DIR = Path(__file__).parent
NORMALISE_CACHE_SIZE = 8192
"""Distinct (country, admin1, admin2) keys ``normalise`` remembers (least recently used
are forgotten): folding a name costs unicode normalisation and regexes on every call."""


def _country_files() -> list[dict[str, Any]]:
    return [
        yaml.safe_load(path.read_text(encoding="utf-8")) for path in sorted(DATA_DIR.glob("*.yaml"))
    ]


@dataclass(frozen=True)
class Match:
    country: str
    admin1: str
    start: int
    end: int


class Gazetteer:
    """Maps (country, raw admin1) to a canonical RegionRef."""

    def __init__(self, countries: Mapping[str, Mapping[str, Iterable[str]]]) -> None:
        self._index: dict[str, dict[str, str]] = {}
        self._patterns: dict[str, re.Pattern[str]] = {}
        for country, regions in countries.items():
            index = self._index.setdefault(country, {})
            forms: set[str] = set()
            for canonical, aliases in regions.items():
                for alias in (canonical, *aliases):
                    key = fold(alias)
                    if index.get(key, canonical) != canonical:
                        raise ValueError(
                            f"{country}: '{alias}' names both {index[key]} and {canonical}"
                        )
                    index[key] = canonical
                    forms.add(alias)
            alternatives = "|".join(re.escape(f) for f in sorted(forms, key=len, reverse=True))
            self._patterns[country] = re.compile(rf"(?<!\w)({alternatives})(?!\w)", re.IGNORECASE)
        # Per instance (not a decorated method) so the cache dies with its gazetteer.
        self._normalise = lru_cache(maxsize=NORMALISE_CACHE_SIZE)(self._normalise_uncached)

    @classmethod
    def from_files(cls, paths: Iterable[Path]) -> Gazetteer:
        countries: dict[str, dict[str, list[str]]] = {}
        for path in paths:
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
            countries[str(data["country"])] = {
                str(k): [str(a) for a in (v or [])] for k, v in data["admin1"].items()
            }
        return cls(countries)

    @staticmethod
    @cache
    def default() -> Gazetteer:
        return Gazetteer.from_files(sorted(DATA_DIR.glob("*.yaml")))

    @staticmethod
    @cache
    def geonames_admin1() -> dict[str, tuple[str, dict[str, str]]]:
        """ISO3 -> (GeoNames country code, GeoNames admin1 code -> canonical region name),
        for the countries whose file maps them (``geonames:``)."""
        found: dict[str, tuple[str, dict[str, str]]] = {}
        for data in _country_files():
            geo = data.get("geonames")
            if geo:
                codes = {str(k): str(v) for k, v in geo["admin1"].items()}
                found[str(data["country"])] = (str(geo["country"]), codes)
        return found

    @staticmethod
    @cache
    def surroundings() -> dict[str, dict[str, str]]:
        """ISO3 -> {city region: the region around it} ("near Damascus" is Rif Dimashq)."""
        return {
            str(data["country"]): {str(k): str(v) for k, v in data["surroundings"].items()}
            for data in _country_files()
            if data.get("surroundings")
        }

    @property
    def countries(self) -> frozenset[str]:
        return frozenset(self._index)

    def canonical_admin1(self, country: str, raw: str | None) -> str | None:
        """The canonical name of ``raw`` in ``country``, or None when unknown."""
        if raw is None:
            return None
        return self._index.get(country, {}).get(fold(raw))

    def normalise(self, country: str, admin1: str | None, admin2: str | None = None) -> RegionRef:
        """A region key for counting. Unknown names are kept as given (trimmed) with
        ``known=False`` so they are still counted, under their own key. Results are
        cached (RegionRef is frozen, so sharing one is safe)."""
        return self._normalise(country, admin1, admin2)

    def _normalise_uncached(
        self, country: str, admin1: str | None, admin2: str | None
    ) -> RegionRef:
        canonical = self.canonical_admin1(country, admin1)
        if canonical is not None:
            return RegionRef(country=country, admin1=canonical, admin2=admin2, known=True)
        raw = " ".join(admin1.split()) if admin1 else None
        return RegionRef(country=country, admin1=raw or None, admin2=admin2, known=admin1 is None)

    def find(self, text: str, country: str | None = None) -> list[Match]:
        """Every mention of a known first-level region in ``text``, in order."""
        found: list[Match] = []
        for code, pattern in self._patterns.items():
            if country is not None and code != country:
                continue
            for m in pattern.finditer(text):
                canonical = self.canonical_admin1(code, m.group(1))
                if canonical is not None:
                    found.append(Match(code, canonical, m.start(), m.end()))
        return sorted(found, key=lambda m: m.start)
