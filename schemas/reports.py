"""Topic family ``vigil.reports.*``: incident reports as they arrive (IncidentReport v1).

A report is one source's account of one incident (or, with ``kind="summary"``, of a
period). ``report_id`` is the idempotency key: the same id delivered twice is one report.
``incident_id`` groups reports (revisions and other sources) that describe one incident.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Annotated, Literal, Self

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, model_validator

MAX_FIGURE = 10_000_000
"""No single report can credibly claim more deaths than this; larger values are rejected."""

EARLIEST = datetime(1900, 1, 1, tzinfo=UTC)
FUTURE_SLACK = timedelta(days=1)
"""An incident may be dated at most this far after its report (time zones, day precision)."""

Identifier = Annotated[
    str, Field(min_length=1, max_length=200, pattern=r"^[A-Za-z0-9][A-Za-z0-9._:/@+\-]*$")
]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class SourceKind(StrEnum):
    NGO = "ngo"
    MEDIA = "media"
    GOVERNMENT = "government"
    WITNESS = "witness"
    UN = "un"
    MONITOR = "monitor"
    """Conflict-data projects (ACLED, UCDP, Airwars) that compile other sources."""
    OTHER = "other"


class Source(_Model):
    name: str = Field(
        min_length=1, max_length=200, description="Who reported, e.g. 'White Helmets'."
    )
    kind: SourceKind = SourceKind.OTHER


class Qualifier(StrEnum):
    EXACT = "exact"
    AT_LEAST = "at_least"
    ABOUT = "about"
    RANGE = "range"


class Figure(_Model):
    """A casualty figure as the source gave it.

    ``exact``/``about``/``at_least`` carry ``value``; ``range`` carries ``low`` and ``high``.
    Rules choose the low or the high end (``pick``); for a single number both ends are it.
    """

    qualifier: Qualifier = Qualifier.EXACT
    value: int | None = Field(default=None, ge=0, le=MAX_FIGURE)
    low: int | None = Field(default=None, ge=0, le=MAX_FIGURE)
    high: int | None = Field(default=None, ge=0, le=MAX_FIGURE)

    @model_validator(mode="after")
    def _shape(self) -> Self:
        if self.qualifier is Qualifier.RANGE:
            if self.low is None or self.high is None or self.value is not None:
                raise ValueError("a range figure needs 'low' and 'high' and no 'value'")
            if self.low > self.high:
                raise ValueError(f"range low {self.low} is above high {self.high}")
        elif self.value is None or self.low is not None or self.high is not None:
            raise ValueError(f"a figure qualified '{self.qualifier}' needs 'value' only")
        return self

    def pick(self, end: Literal["low", "high"] = "low") -> int:
        if self.value is not None:
            return self.value
        assert self.low is not None and self.high is not None  # guaranteed by _shape
        return self.low if end == "low" else self.high

    def describe(self) -> str:
        if self.qualifier is Qualifier.RANGE:
            return f"{self.low}-{self.high}"
        prefix = {"at_least": "at least ", "about": "about ", "exact": ""}[self.qualifier.value]
        return f"{prefix}{self.value}"

    @classmethod
    def exact(cls, n: int) -> Figure:
        return cls(qualifier=Qualifier.EXACT, value=n)

    @classmethod
    def at_least(cls, n: int) -> Figure:
        return cls(qualifier=Qualifier.AT_LEAST, value=n)

    @classmethod
    def about(cls, n: int) -> Figure:
        return cls(qualifier=Qualifier.ABOUT, value=n)

    @classmethod
    def between(cls, low: int, high: int) -> Figure:
        return cls(qualifier=Qualifier.RANGE, low=low, high=high)


MEASURES = (
    "killed",
    "civilians_killed",
    "injured",
    "civilians_injured",
    "children_killed",
    "children_injured",
    "women_killed",
)
"""Casualty measures a report can carry (and alert rules can count). ``killed`` and
``injured`` are everyone (combatants included, as UCDP's best and ACLED's fatalities);
``civilians_*`` are civilians only (Airwars, UCDP's civilian column, text that says
civilians). Figures of one measure are only ever compared with the same measure."""


class Casualties(_Model):
    """Figures are optional: absent means "not reported", never zero. A source that states
    only civilian deaths fills ``civilians_killed``, not ``killed``: the two are different
    quantities (all deaths include combatants)."""

    killed: Figure | None = Field(
        default=None, description="Everyone killed, combatants included (all deaths)."
    )
    injured: Figure | None = Field(
        default=None, description="Everyone injured, combatants included."
    )
    children_killed: Figure | None = None
    children_injured: Figure | None = None
    women_killed: Figure | None = None
    civilians_killed: Figure | None = Field(
        default=None, description="Civilians killed (a part of killed, when both are stated)."
    )
    civilians_injured: Figure | None = Field(default=None, description="Civilians injured.")

    def figure(self, measure: str) -> Figure | None:
        if measure not in MEASURES:
            raise KeyError(measure)
        value: Figure | None = getattr(self, measure)
        return value


class Admin1Source(StrEnum):
    """Where a report's admin1 came from."""

    STATED = "stated"
    """As the source wrote it (a file's region column)."""
    TEXT = "text"
    """A region named in the report's free text."""
    PLACE = "place"
    """The region of a town, village or district named in the text (gazetteer)."""
    COORDINATES = "coordinates"
    """The region the report's coordinates fall in (gazetteer), because the stated region
    was missing, unknown or contradicted by them (see ``stated_admin1``)."""


class Location(_Model):
    country: str = Field(pattern=r"^[A-Z]{3}$", description="ISO 3166-1 alpha-3 code, e.g. SYR.")
    admin1: str | None = Field(default=None, max_length=200, description="Governorate / province.")
    admin2: str | None = Field(default=None, max_length=200, description="District.")
    place: str | None = Field(default=None, max_length=200, description="Town, village, site.")
    lat: float | None = Field(default=None, ge=-90, le=90)
    lon: float | None = Field(default=None, ge=-180, le=180)
    admin1_source: Admin1Source | None = Field(
        default=None, description="Where admin1 came from (absent: not recorded)."
    )
    stated_admin1: str | None = Field(
        default=None,
        max_length=200,
        description="The region the source stated, when admin1 was taken from elsewhere.",
    )


class Precision(StrEnum):
    DAY = "day"
    HOUR = "hour"
    EXACT = "exact"


class EventType(StrEnum):
    AIR_STRIKE = "air_strike"
    DRONE_STRIKE = "drone_strike"
    SHELLING = "shelling"
    ARMED_CLASH = "armed_clash"
    EXPLOSION = "explosion"
    ATTACK_ON_CIVILIANS = "attack_on_civilians"
    TERRITORIAL_CHANGE = "territorial_change"
    DISPLACEMENT = "displacement"
    OTHER = "other"


class Verification(StrEnum):
    CONFIRMED = "confirmed"
    """Independently verified (several independent sources, or a verifying monitor)."""
    REPORTED = "reported"
    """Reported by a named source, not independently checked: the usual case."""
    UNVERIFIED = "unverified"
    """Explicitly flagged as unverified / could not be independently verified."""
    DISPUTED = "disputed"


class ReportKind(StrEnum):
    INCIDENT = "incident"
    SUMMARY = "summary"
    """A cumulative or period figure ("since Nov 27 ... 56 killed"): kept, never counted."""


FEED_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._:/@+\-]*$"
EVENT_SUBTYPES = ("protest", "riot", "strategic_development")
"""The subtypes Vigil's importers write (ACLED Protests, Riots, Strategic developments)
and rules can name; the field takes any lowercase word (a later one is compatible)."""
SUBTYPE_PATTERN = r"^[a-z][a-z0-9_]*$"


class IncidentReport(_Model):
    schema_version: Literal[1] = 1
    report_id: Identifier = Field(description="Idempotency key: one id, one report.")
    incident_id: Identifier = Field(description="Reports with one incident_id are one incident.")
    source: Source
    reported_at: AwareDatetime = Field(description="When the source issued the report.")
    occurred_at: AwareDatetime = Field(
        description="When the incident happened; with precision 'day' only the date is meant."
    )
    occurred_precision: Precision = Precision.DAY
    period_start: AwareDatetime | None = Field(
        default=None, description="Summaries only: the start of the period they sum up."
    )
    location: Location
    event_type: EventType = EventType.OTHER
    event_subtype: str | None = Field(
        default=None,
        max_length=64,
        pattern=SUBTYPE_PATTERN,
        description="A finer type within event_type, in Vigil's words: 'protest' and 'riot' "
        "(ACLED Protests, Riots), 'strategic_development' (ACLED Strategic developments); "
        "rules can filter on it as on event_type.",
    )
    alleged_perpetrators: list[Annotated[str, Field(min_length=1, max_length=200)]] = Field(
        default_factory=list, max_length=50
    )
    casualties: Casualties = Field(default_factory=Casualties)
    verification: Verification = Verification.REPORTED
    kind: ReportKind = ReportKind.INCIDENT
    text: str | None = Field(default=None, max_length=100_000, description="Original wording.")
    feed: str | None = Field(
        default=None,
        max_length=200,
        pattern=FEED_PATTERN,
        description="The feed or dataset that minted incident_id ('airwars', 'ucdp', 'acled', "
        "'text:<digest>' for one text). The linker never links two incidents of one feed: the "
        "feed judged them distinct. Absent: the source's name stands for the feed.",
    )

    @model_validator(mode="after")
    def _times(self) -> Self:
        # (runs for every record every service decodes: the common case is one test)
        start = self.period_start
        if (
            self.reported_at < EARLIEST
            or self.occurred_at < EARLIEST
            or (start is not None and start < EARLIEST)
        ):
            for name in ("reported_at", "occurred_at", "period_start"):
                value = getattr(self, name)
                if value is not None and value < EARLIEST:
                    raise ValueError(f"{name} {value.isoformat()} is before 1900")
        if self.occurred_at - FUTURE_SLACK > self.reported_at:  # no overflow near 9999
            raise ValueError(
                f"occurred_at {self.occurred_at.isoformat()} is after reported_at "
                f"{self.reported_at.isoformat()}: a report cannot describe the future"
            )
        if self.period_start is not None:
            if self.kind is not ReportKind.SUMMARY:
                raise ValueError("period_start is only for kind 'summary'")
            if self.period_start > self.occurred_at:
                raise ValueError("period_start is after occurred_at (the period's end)")
        return self
