"""Which reports a rule counts (pure): by event type (or subtype), source kind and
verification. A rule says, for each, the values it includes or the ones it excludes::

    event_types: {exclude: [protest, territorial_change, displacement]}   # the default
    event_types: {include: [air_strike, drone_strike, shelling]}
    event_types: any                                                       # every report
    source_kinds: {exclude: [government]}
    verification: {exclude: [disputed]}

An event type value matches a report's ``event_type`` or its ``event_subtype`` (ACLED
protests are ``other`` / ``protest``). A rule that names no ``event_types`` counts no
protest, territorial change or displacement: those are no casualty incidents, and ten
peaceful protests are not ten incidents of violence.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any, NamedTuple

from schemas.reports import EVENT_SUBTYPES, EventType, IncidentReport, SourceKind, Verification

ANY = "any"


@dataclass(frozen=True)
class Choice:
    """Values a report field must be among (include) or not among (exclude)."""

    values: frozenset[str]
    include: bool

    def admits(self, value: str, also: str | None = None) -> bool:
        hit = value in self.values or (also is not None and also in self.values)
        return hit if self.include else not hit

    @property
    def text(self) -> str:
        return f"{'+' if self.include else '-'}{','.join(sorted(self.values))}"


DEFAULT_EVENT_TYPES = Choice(frozenset({"protest", "territorial_change", "displacement"}), False)


@dataclass(frozen=True)
class ReportFilter:
    event_types: Choice | None = DEFAULT_EVENT_TYPES
    source_kinds: Choice | None = None
    verification: Choice | None = None

    @cached_property
    def key(self) -> str:
        """A short text naming the filter: rules with one filter share their sums."""
        parts = [
            f"{name}{choice.text}"
            for name, choice in (
                ("t", self.event_types),
                ("k", self.source_kinds),
                ("v", self.verification),
            )
            if choice is not None
        ]
        return ";".join(parts)

    def admits(self, report: IncidentReport) -> bool:
        types, kinds, checks = self.event_types, self.source_kinds, self.verification
        return (
            (types is None or types.admits(report.event_type.value, report.event_subtype))
            and (kinds is None or kinds.admits(report.source.kind.value))
            and (checks is None or checks.admits(report.verification.value))
        )


DEFAULT_FILTER = ReportFilter()
"""What a rule that names no filter counts: everything but protests, territorial changes
and displacement."""
NO_FILTER = ReportFilter(None, None, None)


class ValueSpec(NamedTuple):
    """One value an incident adds: its key, the measure, which end of a range, and which
    reports may give it."""

    key: str
    measure: str
    end: Any  # Literal["low", "high"]
    counts: ReportFilter


_EVENT_WORDS = frozenset(t.value for t in EventType) | frozenset(EVENT_SUBTYPES)
_KINDS = frozenset(k.value for k in SourceKind)
_CHECKS = frozenset(v.value for v in Verification)


def _choice(name: str, raw: Any, known: frozenset[str]) -> Choice | None:
    if raw == ANY:
        return None
    if isinstance(raw, list):
        raw = {"include": raw}
    if not isinstance(raw, dict) or len(set(raw) - {"__line__"}) != 1:
        raise ValueError(f"{name} must be 'any', a list, {{include: [...]}} or {{exclude: [...]}}")
    raw = {k: v for k, v in raw.items() if k != "__line__"}
    ((mode, values),) = raw.items()
    if mode not in ("include", "exclude") or not isinstance(values, list) or not values:
        raise ValueError(f"{name}: expected include or exclude with a non-empty list")
    for value in values:
        if not isinstance(value, str):
            raise ValueError(f"{name}: {value!r} is not a name")
        if value not in known:
            raise ValueError(f"{name}: {value!r} is not one of {sorted(known)}")
    return Choice(frozenset(values), mode == "include")


def parse_filter(raw: dict[str, Any]) -> ReportFilter:
    """The filter of a rule mapping (its ``event_types``, ``source_kinds``,
    ``verification`` keys); raises ValueError with what is wrong."""
    types = (
        _choice("event_types", raw["event_types"], _EVENT_WORDS)
        if "event_types" in raw
        else DEFAULT_EVENT_TYPES
    )
    kinds = _choice("source_kinds", raw["source_kinds"], _KINDS) if "source_kinds" in raw else None
    checks = (
        _choice("verification", raw["verification"], _CHECKS) if "verification" in raw else None
    )
    return ReportFilter(types, kinds, checks)
