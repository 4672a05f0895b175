"""Decoys and injected duplicates for the linkage evaluation (deterministic, pure).

*Time-shifted decoys*: one feed's reports moved by whole days (+/-7, 14, 21). The real
twins are then apart by the shift, far beyond the day tolerance, so what still links is
chance: the count estimates the chance links among the real ones.

*Injected duplicates*: a copy of an incident as another feed would tell it: its place
name spelt another way (a vowel changed, a consonant doubled or single, an article
added or dropped), the day moved by one for 1 in 10, each figure changed for 1 in 4 (by
one, a range around it, or a lower bound), coordinates moved by up to ~300 m or dropped
(1 in 5), the event type dropped for 3 in 10, no perpetrator named and a source of its
own. A copy is found when the linker puts it in its original's group.
"""

from __future__ import annotations

import random
import re
from datetime import timedelta

from schemas.reports import EventType, Figure, IncidentReport, Source, SourceKind

FEED = "synthetic"
SOURCE = Source(name="Synthetic feed", kind=SourceKind.OTHER)
SHIFTS = (-21, -14, -7, 7, 14, 21)
_SWAPS = (("a", "e"), ("e", "a"), ("i", "ee"), ("ou", "u"), ("u", "ou"), ("o", "u"), ("i", "y"))
_KEEP = frozenset(
    {
        *("al", "el", "ar", "as", "ad", "az", "ash", "at", "an", "ez", "of", "and", "the"),
        *("village", "town", "city", "farms", "farm", "camp", "governorate", "area", "near"),
        *("northern", "southern", "eastern", "western", "north", "south", "east", "west"),
    }
)


def shifted(reports: list[IncidentReport], days: int) -> list[IncidentReport]:
    """``reports`` moved by ``days`` (their incident and report times alike)."""
    delta = timedelta(days=days)
    return [
        r.model_copy(
            update={"occurred_at": r.occurred_at + delta, "reported_at": r.reported_at + delta}
        )
        for r in reports
    ]


def _respell(rng: random.Random, word: str) -> str:
    for _ in range(rng.randint(1, 2)):
        if rng.random() < 0.6:
            a, b = rng.choice(_SWAPS)
            spots = [m.start() + 1 for m in re.finditer(a, word[1:])]
            if spots:
                at = rng.choice(spots)
                word = word[:at] + b + word[at + len(a) :]
        elif re.search(r"([bdfgklmnrstz])\1", word):
            word = re.sub(r"([bdfgklmnrstz])\1", r"\1", word, count=1)
        else:
            word = re.sub(r"(?<=[aeiou])([bdlmnrst])(?=[aeiou])", r"\1\1", word, count=1)
    return word


def respelt(rng: random.Random, place: str | None) -> str | None:
    """The place as another transliteration would write it."""
    if not place:
        return place
    words = re.split(r"(\W+)", place)
    spots = [
        i for i, w in enumerate(words) if len(w) >= 4 and w.isalpha() and w.lower() not in _KEEP
    ]
    if spots:
        at = rng.choice(spots)
        words[at] = _respell(rng, words[at])
    text = "".join(words)
    if rng.random() < 0.2:
        text = text[3:] if text.lower().startswith(("al ", "al-")) else f"Al-{text}"
    return text


def _figure(rng: random.Random, figure: Figure | None) -> Figure | None:
    if figure is None or rng.random() < 0.75:
        return figure
    n = figure.pick("low")
    roll = rng.random()
    if roll < 0.4:
        return Figure.exact(max(0, n + rng.choice((-1, 1))))
    if roll < 0.7:
        return Figure.between(max(0, n - 1), n + rng.randint(1, 3))
    return Figure.at_least(max(0, n - rng.randint(0, 1)))


def copy_of(rng: random.Random, report: IncidentReport, number: int) -> IncidentReport:
    """``report`` told again by another feed (see the module docstring)."""
    location = report.location
    lat, lon = location.lat, location.lon
    if lat is not None and lon is not None:
        if rng.random() < 0.2:
            lat = lon = None
        else:
            lat, lon = lat + rng.uniform(-0.003, 0.003), lon + rng.uniform(-0.003, 0.003)
    days = 0 if rng.random() < 0.9 else rng.choice((-1, 1))
    casualties = report.casualties
    figures = {m: _figure(rng, getattr(casualties, m)) for m in type(casualties).model_fields}
    return report.model_copy(
        update={
            "report_id": f"{FEED}:{number}",
            "incident_id": f"{FEED}:{number}",
            "feed": FEED,
            "source": SOURCE,
            "occurred_at": report.occurred_at + timedelta(days=days),
            "reported_at": report.reported_at + timedelta(days=max(days, 0)),
            "location": location.model_copy(
                update={"place": respelt(rng, location.place), "lat": lat, "lon": lon}
            ),
            "casualties": casualties.model_copy(update=figures),
            "alleged_perpetrators": [],
            "event_type": report.event_type if rng.random() < 0.7 else EventType.OTHER,
        }
    )


def injected(
    reports: list[IncidentReport], count: int, seed: int
) -> list[tuple[IncidentReport, IncidentReport]]:
    """(original, copy) for ``count`` incidents drawn from ``reports`` (one report each)."""
    rng = random.Random(seed)
    firsts = list({r.incident_id: r for r in reports}.values())
    picked = rng.sample(firsts, min(count, len(firsts)))
    return [(r, copy_of(rng, r, n)) for n, r in enumerate(picked)]
