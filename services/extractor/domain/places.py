"""Countries and first-level regions named in text.

Regions come from the shared gazetteer (services/common/gazetteer); country names from
``countries.json`` beside this module (ISO 3166-1 names plus common English aliases).
"""

from __future__ import annotations

import json
import re
from collections import Counter
from functools import cache
from pathlib import Path

from services.common.gazetteer import Gazetteer, Match


@cache
def _country_pattern() -> tuple[re.Pattern[str], dict[str, str]]:
    data = json.loads((Path(__file__).parent / "countries.json").read_text(encoding="utf-8"))
    names: dict[str, str] = data["names"]
    alternatives = "|".join(re.escape(n) for n in sorted(names, key=len, reverse=True))
    return re.compile(rf"(?<![\w.])({alternatives})(?![\w])"), names


def countries_named(text: str) -> list[tuple[str, int]]:
    """(ISO3, offset) of each country name in ``text`` (case-sensitive: names are proper nouns)."""
    pattern, names = _country_pattern()
    return [(names[m.group(1)], m.start()) for m in pattern.finditer(text)]


_LOCATIVE = re.compile(r"\bin\s+(?:(?:north|south|east|west|central)\w*\s+)?$")


def sentence_country(sentence: str) -> str | None:
    """The country a sentence places its event in ("in northwestern Syria"), if it says."""
    named = countries_named(sentence)
    for code, offset in named:
        if _LOCATIVE.search(sentence[max(0, offset - 30) : offset]):
            return code
    return None


def regions(text: str, gazetteer: Gazetteer) -> list[Match]:
    return gazetteer.find(text)


def document_country(text: str, gazetteer: Gazetteer) -> str | None:
    """The country most of the text is about: the country of its known regions, else the
    country it names most often (ties: the first named), else None."""
    found = Counter(m.country for m in gazetteer.find(text))
    if found:
        return found.most_common(1)[0][0]
    named = countries_named(text)
    if not named:
        return None
    counts = Counter(code for code, _ in named)
    best = max(counts.values())
    return next(code for code, _ in named if counts[code] == best)
