"""Incidents from reports: revisions replace, duplicates are ignored, sources combine.

An incident is every report sharing an ``incident_id``. Per source only the newest report
counts, newest by ``(reported_at, report_id)``, so the outcome does not depend on the
order reports arrive in: an older revision arriving late changes nothing, and the same
report twice is a duplicate. The incident's figure for a measure combines its sources by
the configured policy; its time and place come from its newest report overall.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from enum import StrEnum
from functools import lru_cache
from typing import Literal, NamedTuple

from schemas.incidents import ClassifiedIncident
from schemas.reports import Precision, Verification
from services.aggregator.domain.filters import ReportFilter, ValueSpec
from services.aggregator.domain.linking.places import towns_named
from services.aggregator.domain.rules import INCIDENTS
from services.common.gazetteer.towns import Towns


class CombinePolicy(StrEnum):
    MAX_RELIABLE = "max_reliable"
    """Highest figure among sources not marked unreliable (all sources if none is reliable)."""
    MAX = "max"
    """Highest figure among all sources."""
    LATEST_RELIABLE = "latest_reliable"
    """Figure of the newest report among reliable sources (all sources if none is)."""


class Outcome(StrEnum):
    """What became of one report. Every outcome but ``applied`` and ``summary`` changed
    nothing, and is counted by its value in ``vigil_reports_ignored_total{reason}``."""

    APPLIED = "applied"
    SUMMARY = "summary"
    """Kept for context (``GET /v1/summaries``), never counted."""
    DUPLICATE = "duplicate"
    """Its report_id was seen before with the same content."""
    SUPERSEDED = "superseded"
    """Its source already has a newer report of the incident."""
    CONFLICT = "conflict"
    """Its report_id was seen before with other content: refused (dead letter)."""
    TOO_LATE = "too_late"
    """The lateness or more behind its country's clock: refused (dead letter)."""
    FUTURE = "future"
    """Dated too far after the reference time (the guard): refused (dead letter)."""


REFUSED = frozenset({Outcome.CONFLICT, Outcome.TOO_LATE, Outcome.FUTURE})
"""Outcomes a user may want back: each becomes a dead letter with its reason."""


_EPOCH_ORDINAL = datetime(1970, 1, 1).toordinal()


def event_position(occurred_at: datetime, precision: Precision) -> float:
    """Where an incident sits on the event-time axis (epoch seconds, UTC).

    Day precision: 00:00 UTC of the calendar date written in ``occurred_at``, so a 24 h
    window over day-precision incidents holds exactly one calendar day of them. Hour
    precision: the start of the hour. Exact: the instant itself.
    """
    if precision is Precision.DAY:
        return (occurred_at.toordinal() - _EPOCH_ORDINAL) * 86400.0
    stamp = occurred_at.timestamp()
    return stamp - stamp % 3600 if precision is Precision.HOUR else stamp


def source_key(incident: ClassifiedIncident) -> str:
    """A source's name as it is compared: case and spacing ignored."""
    return _folded(incident.report.source.name)


SLOT = "\x1f"
"""Joins a source and an incident in the slot keys of a linked group's reports."""


def slot_source(slot: str) -> str:
    """The source (as compared) of a slot: an incident's report mapping is keyed by
    source; a linked group's by ``source SLOT incident`` (each source's own figure)."""
    return slot.split(SLOT, 1)[0]


def group_slots(
    members: Mapping[str, Mapping[str, ClassifiedIncident]],
) -> dict[str, ClassifiedIncident]:
    """The reports of linked incidents (incident -> its reports) as one group's: one slot
    per source and incident, so a source that told two linked incidents keeps both."""
    return {
        f"{source}{SLOT}{incident_id}": report
        for incident_id, reports in members.items()
        for source, report in reports.items()
    }


@lru_cache(maxsize=4096)
def _folded(name: str) -> str:
    return " ".join(name.casefold().split())


def _newness(incident: ClassifiedIncident) -> tuple[datetime, str]:
    return (incident.report.reported_at, incident.report.report_id)


_PRECISE = {Precision.EXACT: 2, Precision.HOUR: 1, Precision.DAY: 0}


Placement = tuple[int, int, int, datetime, str]


def placement(incident: ClassifiedIncident) -> Placement:
    """Which report of linked incidents says when and where the group is counted: the
    most precise in time (exact, hour, day), then one filed in the governorate its named
    place lies in (``filed_where_named``), then the most precise in place (stated
    coordinates, a named place, a governorate only), then the newest. (One incident's own
    reports: the newest, as a revision replaces.)"""
    report = incident.report
    location = report.location
    where = (
        2 if location.lat is not None and location.lon is not None else int(bool(location.place))
    )
    region = incident.region
    filed = filed_where_placed(
        region.country, region.admin1, location.place, location.lat, location.lon
    )
    return (_PRECISE[report.occurred_precision], filed, where, report.reported_at, report.report_id)


FILED_KM = 5.0
"""Stated coordinates this close to a known place of another governorate (and closer than
to any of the governorate filed) say the report was filed in the wrong one."""


@lru_cache(maxsize=65536)
def filed_where_placed(
    country: str, admin1: str | None, place: str | None, lat: float | None, lon: float | None
) -> int:
    """0 when the report is filed in another governorate than its place lies in: the
    gazetteer knows the named place only in other governorates, or (a name it does not
    know) the stated coordinates lie within ``FILED_KM`` of a known place of another
    governorate, nearer than to any of the one filed. Airwars files Eastern Ghouta under
    Damascus (Zamalka, 1.7 km from Irbin, Rif Dimashq), UCDP and GeoNames under Rif
    Dimashq. Else 1 (also when nothing is known)."""
    if admin1 is None:
        return 1
    if place:
        known = towns_named(country, place)
        if known:
            return 1 if any(t.admin1 == admin1 for t in known) else 0
    if lat is None or lon is None:
        return 1
    nearest = Towns.default().nearest(country, lat, lon)
    if nearest is None or nearest.admin1 == admin1 or nearest.km > FILED_KM:
        return 1
    return 0


class SourceFigure(NamedTuple):
    """One source's figure for a measure, as the evidence of an alert shows it."""

    source: str
    report_id: str
    reported_at: datetime
    figure: str | None
    value: int | None
    reliable: bool
    used: bool


class IncidentView:
    """What one incident contributes to counting, derived from its reports. A view is
    never changed once built: a changed incident gets a new view (the evidence cache
    relies on it)."""

    __slots__ = (
        "_verification",
        "groups",
        "incident_id",
        "members",
        "policy",
        "position",
        "primary",
        "reports",
        "unreliable",
        "values",
    )

    def __init__(
        self,
        incident_id: str,
        position: float,
        groups: Mapping[tuple[str, ...], str],
        values: Mapping[str, int],
        primary: ClassifiedIncident,
        reports: Mapping[str, ClassifiedIncident],
        unreliable: frozenset[str],
        policy: CombinePolicy,
        members: tuple[str, ...] = (),
    ) -> None:
        self.incident_id = incident_id
        self.members = members or (incident_id,)
        """The incidents counted as this one (linked); just itself when not linked."""
        self.position = position
        self.groups = groups
        self.values = values
        self.primary = primary
        self.reports = reports
        self.unreliable = unreliable
        self.policy = policy
        self._verification: Verification | None = None

    def value(self, key: str) -> int:
        return self.values.get(key, 0)

    @property
    def verification(self) -> Verification:
        if self._verification is None:
            self._verification = self._combined_verification()
        return self._verification

    def _combined_verification(self) -> Verification:
        reliable = [s for s in self.reports if slot_source(s) not in self.unreliable]
        trusted = reliable or list(self.reports)  # an unreliable source cannot confirm
        statuses = {self.reports[s].report.verification for s in trusted}
        if Verification.CONFIRMED in statuses or len({slot_source(s) for s in reliable}) >= 2:
            return Verification.CONFIRMED
        for status in (Verification.DISPUTED, Verification.UNVERIFIED):
            if status in statuses:
                return status
        return Verification.REPORTED

    def source_figures(
        self,
        measure: str,
        figure: Literal["low", "high"],
        counts: ReportFilter | None = None,
    ) -> list[SourceFigure]:
        """Each source's figure for ``measure`` (sources in name order), marking the one
        the policy used (among those the rule's filter ``counts`` lets count)."""
        admitted = self.reports if counts is None else _admitted(self.reports, counts)
        tie = placement if len(self.members) > 1 else None  # as build_group_views chose
        used = _chosen_source(admitted, measure, figure, self.unreliable, self.policy, tie)
        rows = []
        for key, incident in sorted(self.reports.items()):
            report = incident.report
            fig = None if measure == INCIDENTS else getattr(report.casualties, measure)
            rows.append(
                SourceFigure(
                    report.source.name,
                    report.report_id,
                    report.reported_at,
                    None if fig is None else fig.describe(),
                    None if fig is None else fig.pick(figure),
                    slot_source(key) not in self.unreliable,
                    key == used,
                )
            )
        return rows


def group_key(incident: ClassifiedIncident, grouping: tuple[str, ...]) -> str:
    """``SYR``, ``SYR/Idlib`` or ``SYR/Idlib/Harim`` ("?" for a missing part); a grouping
    is a prefix of (country, admin1, admin2), as rules are checked to be."""
    region = incident.region
    depth = len(grouping)
    if depth == 1:
        return region.country
    if depth == 2:
        return f"{region.country}/{region.admin1 or '?'}"
    return f"{region.country}/{region.admin1 or '?'}/{region.admin2 or '?'}"


def group_fields(key: str, grouping: tuple[str, ...]) -> dict[str, str]:
    return dict(zip(grouping, key.split("/"), strict=True))


def _chosen_source(
    reports: Mapping[str, ClassifiedIncident],
    measure: str,
    figure: Literal["low", "high"],
    unreliable: frozenset[str],
    policy: CombinePolicy,
    tie: Callable[[ClassifiedIncident], Placement] | None = None,
) -> str | None:
    """The source whose figure an incident counts for ``measure``; of equal figures the
    one ``tie`` ranks highest (linked groups: ``placement``, so a tied figure stays where
    the most precise report puts it), then the greatest key."""
    if measure == INCIDENTS:
        return None
    if len(reports) == 1:  # every policy picks the one source where it has the figure
        ((key, incident),) = reports.items()
        return key if incident.report.casualties.figure(measure) is not None else None
    having = {
        key: inc
        for key, inc in reports.items()
        if inc.report.casualties.figure(measure) is not None
    }
    if policy is not CombinePolicy.MAX:
        reliable = {k: v for k, v in having.items() if slot_source(k) not in unreliable}
        having = reliable or having
    if not having:
        return None
    if policy is CombinePolicy.LATEST_RELIABLE:
        return max(having, key=lambda k: (_newness(having[k]), k))

    def amount(key: str) -> tuple[int, Placement | tuple[()], str]:
        fig = having[key].report.casualties.figure(measure)
        assert fig is not None
        return (fig.pick(figure), () if tie is None else tie(having[key]), key)

    return max(having, key=amount)


def _only(reports: Mapping[str, ClassifiedIncident]) -> ClassifiedIncident:
    (incident,) = reports.values()
    return incident


def build_view(
    incident_id: str,
    reports: Mapping[str, ClassifiedIncident],
    specs: tuple[ValueSpec, ...],
    groupings: Iterable[tuple[str, ...]],
    unreliable: frozenset[str],
    policy: CombinePolicy,
    members: tuple[str, ...] = (),
) -> IncidentView:
    """What an incident (or a linked group, ``members``, whose reports are keyed by
    ``group_slots``) adds per value key, where and when."""
    values: dict[str, int] = {}
    if len(reports) == 1:
        # One source: every policy picks its figure where it has one (the common case,
        # and the per-report hot path, so without the policy's bookkeeping).
        primary = _only(reports)
        report = primary.report
        casualties = report.casualties
        for key, measure, end, counts in specs:
            if not counts.admits(report):
                continue
            if measure == INCIDENTS:
                values[key] = 1
            elif (fig := getattr(casualties, measure)) is not None:
                values[key] = fig.pick(end)
    else:
        primary = max(reports.values(), key=_newness)
        for key, measure, end, counts in specs:
            admitted = _admitted(reports, counts)
            if not admitted:
                continue
            if measure == INCIDENTS:
                values[key] = 1
                continue
            chosen = _chosen_source(admitted, measure, end, unreliable, policy)
            if chosen is not None:
                fig = admitted[chosen].report.casualties.figure(measure)
                assert fig is not None
                values[key] = fig.pick(end)
    report = primary.report
    return IncidentView(
        incident_id,
        event_position(report.occurred_at, report.occurred_precision),
        {g: group_key(primary, g) for g in groupings},
        values,
        primary,
        reports,  # not copied: a merge always makes a new mapping, none is changed after
        unreliable,
        policy,
        members,
    )


def _admitted(
    reports: Mapping[str, ClassifiedIncident], counts: ReportFilter
) -> Mapping[str, ClassifiedIncident]:
    """The reports a rule's filter lets count (all of them, the common case, as is)."""
    kept = {k: r for k, r in reports.items() if counts.admits(r.report)}
    return reports if len(kept) == len(reports) else kept


def build_group_views(
    unit: str,
    slots: Mapping[str, ClassifiedIncident],
    specs: tuple[ValueSpec, ...],
    groupings: Iterable[tuple[str, ...]],
    unreliable: frozenset[str],
    policy: CombinePolicy,
    members: tuple[str, ...],
) -> list[IncidentView]:
    """What linked incidents (``members``, their reports keyed by ``group_slots``) add:
    per value key the policy's figure over every source of every member (each its own
    figure), counted *where and when the report giving it puts it*, so linking never
    moves a figure away from its source's day and region; the incident count sits where
    the most precise report puts it (``placement``). One view per place and time, the
    first (``unit``) holding the incident count and the group's own time and place,
    further ones ``unit@1``, ``unit@2`` ... (in time, then region order)."""
    groupings = tuple(groupings)
    anchor = max(slots.values(), key=placement)
    counted: dict[str, tuple[int, ClassifiedIncident]] = {}
    for key, measure, end, counts in specs:
        admitted = _admitted(slots, counts)
        if not admitted:
            continue
        if measure == INCIDENTS:  # where the most precise report it counts puts it
            counted[key] = (1, max(admitted.values(), key=placement))
            continue
        # of equal figures, the one the most precise report gives: a tie never moves a
        # figure off the more precisely placed source's day and governorate
        chosen = _chosen_source(admitted, measure, end, unreliable, policy, placement)
        if chosen is not None:
            fig = admitted[chosen].report.casualties.figure(measure)
            assert fig is not None
            counted[key] = (fig.pick(end), admitted[chosen])

    def where(incident: ClassifiedIncident) -> tuple[float, tuple[str, ...]]:
        report = incident.report
        position = event_position(report.occurred_at, report.occurred_precision)
        return position, tuple(group_key(incident, g) for g in groupings)

    home = where(anchor)
    parts: dict[tuple[float, tuple[str, ...]], tuple[ClassifiedIncident, dict[str, int]]] = {
        home: (anchor, {})
    }
    for key, (value, incident) in counted.items():
        spot = home if incident is anchor else where(incident)
        parts.setdefault(spot, (incident, {}))[1][key] = value
    views = []
    for n, spot in enumerate([home, *sorted(k for k in parts if k != home)]):
        incident, values = parts[spot]
        views.append(
            IncidentView(
                unit if n == 0 else f"{unit}@{n}",
                spot[0],
                dict(zip(groupings, spot[1], strict=True)),
                values,
                incident,
                slots,
                unreliable,
                policy,
                members,
            )
        )
    return views


def merge_report(
    reports: Mapping[str, ClassifiedIncident], incident: ClassifiedIncident
) -> tuple[Outcome, dict[str, ClassifiedIncident]]:
    """The incident's reports after ``incident`` arrives, and whether it changed anything."""
    key = source_key(incident)
    current = reports.get(key)
    if current is not None:
        if current.report.report_id == incident.report.report_id:
            return Outcome.DUPLICATE, dict(reports)
        if _newness(current) >= _newness(incident):
            return Outcome.SUPERSEDED, dict(reports)
    merged = dict(reports)
    merged[key] = incident
    return Outcome.APPLIED, merged
