"""Whether two incidents are candidates, and how likely they are one (pure; a documented
policy, shared with the oracle).

**Candidates** (``comparable``): different feeds (no feed in common: a feed judged its own
incidents distinct, as MELTT matches only across datasets), the same governorate or one
it is known to be confused with (Airwars files Eastern Ghouta under Damascus, UCDP under
Rif Dimashq), days at most ``day_tolerance`` apart, and a place in common: a shared name
key (``places.key_of``) or coordinates within ``near_km``, or, when one side names no
place (a text that gives only the governorate), a number of one measure or a source in
common (the White Helmets' own report and a wire story quoting them).

**Score**: evidence adds up as log-odds, turned into a probability (0-1). Weights were
chosen on Airwars + UCDP (``make linkage-eval``: time-shifted decoys, injected copies):

| evidence | log-odds |
|---|---|
| start (two incidents of a governorate around one day are usually distinct) | -1.5 |
| same day / per day apart | +1.0 / -0.5 |
| a confused governorate (Damascus / Rif Dimashq) | -0.5 |
| place: one name (1.0), a transliteration (0.95), a close spelling (0.85+) | +3 x it x w |
| both name places, and they differ (coordinates not within 5 km) | -2.0 |
| one district (both state it) / two districts | +0.7 / -1.0 |
| km apart: <= 2 / 5 / 10 / 25 / farther (see below) | +2 / +1 / 0 / -1.5 / -3 |
| a number both give for one measure (like with like: n = n) | +1.4 ln(1 + n) |
| figures of one measure that overlap (ranges, lower bounds) | +0.3 |
| exact figures of one measure 3x and 5 apart or more | -1.0 |
| civilians killed on one side far above everyone killed on the other | -1.0 |
| the same event type / related types / different types | +0.7 / +0.2 / -1.0 |
| a protest and an act of violence | -2.0 |
| a source in common (one claim told by two feeds) | +1.5 |
| an alleged perpetrator in common | +0.5 |

A number both give counts at most +3 (the largest, then half of each further one: one
toll often fills several measures); figures together count -3 to +4. Distance counts
only with one side's coordinates stated: fully when both are, else (the other placed by
the gazetteer from its name) only against, unless the names differ and the named place
is small. *A place that sees many incidents weighs less*: w = 1 / (1 + 0.3 (n - 1)),
n = 1 + each other day within a week and each other incident that day naming the place
(``Crowd``), times 0.4 / 0.6 / 0.85 for a place of 1,000,000 / 200,000 / 50,000
inhabitants or more (a big city's name says little about which incident it is).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum

from services.aggregator.domain.linking.places import key_of, similarity
from services.aggregator.domain.linking.subjects import Span, Subject
from services.common.gazetteer.towns import distance_km


class LinkPolicy(StrEnum):
    OFF = "off"
    """No pair is scored; analyst decisions still apply."""
    SUGGEST = "suggest"
    """Pairs are scored and shown as suspected duplicates; nothing is linked by itself."""
    AUTO = "auto"
    """Mutual best pairs at or above the automatic threshold are linked; pairs at or
    above the suggestion threshold are shown as suspected duplicates."""


DEFAULT_CONFUSIONS = (("Damascus", "Rif Dimashq"),)


@dataclass(frozen=True)
class LinkSettings:
    policy: LinkPolicy = LinkPolicy.AUTO
    auto_threshold: float = 0.9
    suggest_threshold: float = 0.5
    day_tolerance: int = 1
    near_km: float = 10.0
    confusions: tuple[tuple[str, str], ...] = DEFAULT_CONFUSIONS
    _blocks: dict[str, frozenset[str]] = field(default_factory=dict, compare=False, repr=False)

    def block(self, admin1: str | None) -> frozenset[str | None]:
        """The governorates a report filed under ``admin1`` may really be in."""
        if admin1 is None:
            return frozenset({None})
        known = self._blocks.get(admin1)
        if known is None:
            found = {admin1}
            for a, b in self.confusions:
                if admin1 in (a, b):
                    found |= {a, b}
            known = self._blocks[admin1] = frozenset(found)
        return known


Crowd = Callable[[Subject, str, str], int]
"""On how many days incidents (any feed) name the place with this key around the subject
(its governorate and its confusions, 7 days either side): its own day, and every other
day on which an incident other than the pair compared (the third argument) names it."""


@dataclass(frozen=True, slots=True)
class Score:
    probability: float
    reasons: tuple[str, ...]


PRIOR = -1.5
SAME_DAY = 1.0
DAY_APART = -0.5
"""Per day apart (within the tolerance)."""
PLACE = 3.0
DISTRICT = 0.7
BIG_PLACE = 50_000
DISTANCES = ((2.0, 2.0), (5.0, 1.0), (10.0, 0.0), (25.0, -1.5), (math.inf, -3.0))
"""(km at most, log-odds)"""
CROWDED = 0.3
CITIES = ((1_000_000, 0.4), (200_000, 0.6), (BIG_PLACE, 0.85))
"""A place of this many inhabitants or more weighs this much."""
FIGURE_WEIGHT = 1.4
FIGURE_MAX = 3.0
_RELATED = (
    frozenset({"air_strike", "drone_strike"}),
    frozenset({"shelling", "explosion", "air_strike", "drone_strike"}),
)
_VIOLENT = frozenset(
    {"air_strike", "drone_strike", "shelling", "armed_clash", "explosion", "attack_on_civilians"}
)
_PEACEFUL = frozenset({"protest"})


def comparable(a: Subject, b: Subject, settings: LinkSettings) -> bool:
    """Whether ``a`` and ``b`` are candidates (see the module docstring)."""
    if a.feeds & b.feeds or abs(a.day - b.day) > settings.day_tolerance:
        return False
    if a.admin1 is None or b.admin1 not in settings.block(a.admin1):
        return False
    return near(a, b, settings)


def near(a: Subject, b: Subject, settings: LinkSettings) -> bool:
    """A place in common: a name key in common, or coordinates within ``near_km``; when
    one side names no place, a number in common instead (of one measure), or a source
    (``Subject.tolls``)."""
    if not a.names or not b.names:
        return bool(a.tolls & b.tolls)
    if a.keys & b.keys:
        return True
    if a.lat is None or b.lat is None or a.lon is None or b.lon is None:
        return False
    return distance_km(a.lat, a.lon, b.lat, b.lon) <= settings.near_km


def _weight_of_figure(n: int) -> float:
    """One number given by both: rarer (larger) numbers agree by chance less often."""
    return min(FIGURE_MAX, FIGURE_WEIGHT * math.log1p(n))


def _figures(a: Subject, b: Subject, reasons: list[str]) -> float:
    total = 0.0
    agreed: list[float] = []
    for measure, x in a.figures.items():
        y = b.figures.get(measure)
        if y is None:
            continue
        shared = [v for v in x.values & y.values if v > 0]
        if shared:
            n = max(shared)
            agreed.append(_weight_of_figure(n))
            reasons.append(f"{measure} {n} = {n}")
        elif _overlap(x, y):
            total += 0.3
            reasons.append(f"{measure} {_text(x)} ~ {_text(y)}")
        elif _apart(x, y):
            total -= 1.0
            reasons.append(f"{measure} {_text(x)} != {_text(y)}")
    for civ, everyone in ((a, b), (b, a)):
        c, k = civ.figures.get("civilians_killed"), everyone.figures.get("killed")
        if c is not None and k is not None and not k.open and c.low > 2 * k.high + 2:
            total -= 1.0
            reasons.append(f"civilians_killed {_text(c)} > killed {_text(k)}")
    if agreed:  # one toll often fills several measures (all killed were civilians)
        agreed.sort(reverse=True)
        total += agreed[0] + 0.5 * sum(agreed[1:])
    return max(-3.0, min(4.0, total))


def _overlap(x: Span, y: Span) -> bool:
    x_high = math.inf if x.open else x.high
    y_high = math.inf if y.open else y.high
    return x.low <= y_high and y.low <= x_high


def _apart(x: Span, y: Span) -> bool:
    """Exact figures 3x and 5 apart or more (lower bounds never disagree)."""
    if x.open or y.open:
        return False
    if x.high < y.low:
        small, big = x.high, y.low
    elif y.high < x.low:
        small, big = y.high, x.low
    else:
        return False
    return big >= 3 * small and big - small >= 5


def _text(span: Span) -> str:
    text = str(span.low) if span.low == span.high else f"{span.low}-{span.high}"
    return f"{text}+" if span.open else text


def _types(a: Subject, b: Subject, reasons: list[str]) -> float:
    x, y = a.event_types, b.event_types
    if (x & _PEACEFUL and y & _VIOLENT) or (y & _PEACEFUL and x & _VIOLENT):
        reasons.append("a protest and an act of violence")
        return -2.0
    x, y = x & _VIOLENT, y & _VIOLENT
    if not x or not y:
        return 0.0
    if x & y:
        reasons.append(f"event type {sorted(x & y)[0]}")
        return 0.7
    if any(x & group and y & group for group in _RELATED):
        reasons.append(f"event types {sorted(x)[0]} ~ {sorted(y)[0]}")
        return 0.2
    reasons.append(f"event types {sorted(x)[0]} != {sorted(y)[0]}")
    return -1.0


def place_weight(crowd: int, population: int) -> float:
    """How much a place name says about which incident it is: 1 for a village no other
    incident names around; less for a place named again and again (``crowd``: see
    ``Crowd``) or a big city."""
    weight = 1.0 / (1.0 + CROWDED * max(0, crowd - 1))
    for inhabitants, factor in CITIES:
        if population >= inhabitants:
            return weight * factor
    return weight


def _distance(a: Subject, b: Subject) -> float | None:
    """Km between the two when both have coordinates and one of them stated its own."""
    if a.lat is None or b.lat is None or a.lon is None or b.lon is None:
        return None
    if not (a.stated or b.stated):
        return None  # both from place names: the names say it already
    return distance_km(a.lat, a.lon, b.lat, b.lon)


def _place(a: Subject, b: Subject, crowd: Crowd, reasons: list[str]) -> float:
    """The place names and the distance between them."""
    close = _distance(a, b)
    total = 0.0
    named = False
    if a.names and b.names:
        likeness, x, y = similarity(a.names, b.names)
        if likeness > 0:
            named = True
            n = max(crowd(a, key_of(x), b.incident_id), crowd(b, key_of(y), a.incident_id))
            population = max(a.population, b.population)
            weight = place_weight(n, population)
            total += PLACE * likeness * weight
            said = f"place {x!r} = {y!r}" if likeness == 1 else f"place {x!r} ~ {y!r}"
            if weight < 1:
                big = ", a big city" if population >= 50_000 else ""
                said += f" (weighs {weight:.2f}: named {n} times around{big})"
            reasons.append(said)
        elif close is None or close > 5:
            total -= 2.0
            reasons.append(f"places {a.names[0]!r} != {b.names[0]!r}")
    if close is not None:
        stated = a.stated and b.stated
        weight = next(w for limit, w in DISTANCES if close <= limit)
        if not stated and (named or max(a.population, b.population) >= BIG_PLACE):
            # one side placed by its name: the names said it already, or the point is the
            # middle of a town; only a contradiction says more
            weight = min(weight, 0.0)
        total += weight
        reasons.append(f"{close:.1f} km apart")
    return total


def score(a: Subject, b: Subject, crowd: Crowd) -> Score:
    """How likely ``a`` and ``b`` (candidates) are one incident, and why."""
    reasons: list[str] = []
    total = PRIOR
    gap = abs(a.day - b.day)
    if gap == 0:
        total += SAME_DAY
        reasons.append("same day")
    else:
        total += DAY_APART * gap
        reasons.append(f"{gap} day{'s' if gap > 1 else ''} apart")
    if a.admin1 != b.admin1:
        total -= 0.5
        reasons.append(f"{a.admin1} / {b.admin1}")
    total += _place(a, b, crowd, reasons)
    if a.admin2 and b.admin2:
        if similarity((a.admin2,), (b.admin2,))[0] > 0:
            total += DISTRICT
            reasons.append(f"district {a.admin2!r}")
        else:
            total -= 1.0
            reasons.append(f"districts {a.admin2!r} != {b.admin2!r}")
    total += _figures(a, b, reasons)
    total += _types(a, b, reasons)
    if a.sources & b.sources:
        total += 1.5
        reasons.append(f"source {sorted(a.sources & b.sources)[0]!r} in both")
    if a.perpetrators & b.perpetrators:
        total += 0.5
        reasons.append(f"perpetrator {sorted(a.perpetrators & b.perpetrators)[0]!r}")
    return Score(round(1.0 / (1.0 + math.exp(-total)), 6), tuple(reasons))


def score_pair(a: Subject, b: Subject, crowd: Crowd) -> Score:
    """``score`` in one order whatever the order asked in (the smaller incident id
    first), so a pair has one score however it was reached."""
    return score(a, b, crowd) if a.incident_id < b.incident_id else score(b, a, crowd)
