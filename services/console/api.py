"""The console's JSON API: response bodies as pydantic models (the OpenAPI document,
``openapi.json``, is generated from them) and how they are built from the replica.

Every alert is the public Alert schema of ``vigil.alerts.v2`` (``schemas/alerts.py``):
named levels, ISO 8601 times, the evidence with every source.
"""

from __future__ import annotations

from datetime import UTC, datetime

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from schemas.alerts import Alert

STATUSES = ("firing", "resolved", "all")


def iso(ts: float) -> datetime:
    return datetime.fromtimestamp(ts, tz=UTC)


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class AlertList(_Body):
    """``GET /v1/alerts``: the latest transition of each alert that matches."""

    alerts: list[Alert] = Field(
        description="The latest transition of each alert, most severe level first, then by "
        "region and rule."
    )
    count: int
    as_of: AwareDatetime = Field(description="When the console answered (wall clock).")
    complete: bool = Field(
        description="False while the console is still reading the topics from the "
        "beginning after a start: the list may then be missing alerts."
    )


class TransitionList(_Body):
    """``GET /v1/alerts/{fingerprint}/transitions``: every transition kept, oldest first."""

    fingerprint: str
    transitions: list[Alert]
    omitted: int = Field(ge=0, description="Older transitions not kept by the console.")


class LevelInfo(_Body):
    name: str
    threshold: int
    resolve_below: int = Field(description="The level is left only below this value.")


class SeriesPoint(_Body):
    at: AwareDatetime = Field(description="End of the window (event time).")
    value: int = Field(description="The window's total; it holds until the next point.")


class WindowSeries(_Body):
    """``GET /v1/alerts/{fingerprint}/series``: the rule's window value for the alert's
    group over the last days of event time (a step function)."""

    fingerprint: str
    rule: str
    group_key: str
    measure: str
    window_seconds: int
    start: AwareDatetime
    end: AwareDatetime
    clock: AwareDatetime = Field(description="The country's event-time clock.")
    levels: list[LevelInfo]
    points: list[SeriesPoint]


class WindowValue(_Body):
    rule: str
    group_key: str
    value: int = Field(description="Total of the window ending at the country's clock.")
    level: str | None = Field(description="The level in force (None: not firing).")
    fingerprint: str


class CountryState(_Body):
    country: str
    clock: AwareDatetime | None = Field(description="Event-time clock of the country.")
    windows: list[WindowValue]


class DeadLetterCount(_Body):
    service: str
    error_type: str
    count: int


class Overview(_Body):
    """``GET /v1/overview``: what the console page shows, as data."""

    as_of: AwareDatetime
    complete: bool
    country: str | None = Field(description="The country filter, if any.")
    firing: dict[str, int] = Field(description="Alerts firing per level name.")
    countries: list[CountryState]
    deadletters_total: int
    deadletters_last_24h: int
    deadletters: list[DeadLetterCount]


class ErrorBody(_Body):
    error: str
    message: str
