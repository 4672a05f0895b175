"""Turning a decided transition into the Alert record consumers see, with its evidence:
the incidents in the window, what each adds, and every source's figure behind it.

The record reads right on its own (the notifier's messages are built from it):

- the value keeps the qualifiers of the figures behind it ("at least 25", "25-31");
- ``period`` names the calendar day(s) of the incidents behind the value ("2024-12-01"),
  because the event-time window of day-precision incidents (they sit at 00:00 UTC) reads
  as the day before;
- verification is judged per incident and measure: a figure is confirmed when its own
  source says it was independently verified, or another reliable source gives at least
  the same figure. A lower figure never confirms a higher one;
- ``verification_text`` says it in words: how many sources, which, their kinds, whether
  any independent one confirmed.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import lru_cache

from schemas.alerts import Alert, EvidenceIncident, EvidenceSource, Transition
from schemas.reports import Figure, Precision, Qualifier, Verification
from services.aggregator.domain.alerting import Step
from services.aggregator.domain.incidents import IncidentView, group_fields
from services.aggregator.domain.rules import INCIDENTS, Rule
from services.aggregator.domain.windows import Timeline

DAY = 86400
MAX_PERPETRATORS = 10
MAX_SOURCES_NAMED = 6
MEASURE_WORDS = {
    "killed": "people killed",
    "injured": "people injured",
    "children_killed": "children killed",
    "children_injured": "children injured",
    "women_killed": "women killed",
    INCIDENTS: "incidents",
}
KIND_WORDS = {"ngo": "NGO", "un": "UN", "media": "media", "monitor": "monitor"}


def stamp(ts: float) -> datetime:
    return datetime.fromtimestamp(ts, tz=UTC)


def measure_words(measure: str) -> str:
    return MEASURE_WORDS.get(measure, measure.replace("_", " "))


def kind_words(kind: str | None) -> str:
    return KIND_WORDS.get(kind or "other", kind or "other")


@lru_cache(maxsize=64)
def window_words(seconds: int) -> str:
    """``24 h``, ``7 days``, ``90 min``."""
    if seconds % DAY == 0 and seconds > DAY:
        return f"{seconds // DAY} days"
    if seconds % 3600 == 0:
        return f"{seconds // 3600} h"
    if seconds % 60 == 0:
        return f"{seconds // 60} min"
    return f"{seconds} s"


def days_text(first: date, last: date) -> str:
    """``2024-12-01`` or ``2024-11-28 to 2024-12-01`` (ISO dates: no reader mistakes the
    day and the month)."""
    return first.isoformat() if first == last else f"{first.isoformat()} to {last.isoformat()}"


def times_text(first: datetime, last: datetime) -> str:
    """``2024-12-01 03:00 to 18:00 UTC`` or ``2024-11-30 22:00 to 2024-12-01 03:00 UTC``."""
    if first.date() == last.date():
        return f"{first:%Y-%m-%d %H:%M} to {last:%H:%M} UTC"
    return f"{first:%Y-%m-%d %H:%M} to {last:%Y-%m-%d %H:%M} UTC"


@dataclass(frozen=True)
class Counted:
    """What one incident puts behind an alert, judged once per (rule, incident view)."""

    evidence: EvidenceIncident
    qualifier: Qualifier
    """Qualifier of the counted figure (exact for an incident count)."""
    spread: int
    """high - low of a range figure, else 0."""
    moment: datetime
    """When it happened: 00:00 of its day for day precision, else the UTC instant."""
    by_day: bool
    perpetrators: tuple[str, ...]
    lower: tuple[str, ...]
    """Sources whose lower figure does not confirm the counted one."""
    silent: tuple[str, ...]
    """Sources of the incident with no figure for the rule's measure."""


EvidenceCache = dict[tuple[str, str], tuple[IncidentView, Counted]]
"""(rule, incident) -> the view an entry was built from, and the entry. A view is immutable
and replaced when its incident changes, so an entry is valid while its view is the one
asked about; the same incidents appear in alert after alert."""


def counted(rule: Rule, view: IncidentView, cache: EvidenceCache | None = None) -> Counted:
    if cache is None:
        return _judge(rule, view)
    key = (rule.name, view.incident_id)
    hit = cache.get(key)
    if hit is not None and hit[0] is view:
        return hit[1]
    entry = _judge(rule, view)
    cache[key] = (view, entry)
    return entry


def _judge(rule: Rule, view: IncidentView) -> Counted:
    """The incident's evidence entry: what it adds, every source's figure (the used one
    marked) with its kind, who confirms the counted figure and who gives a lower one."""
    primary = view.primary.report
    by_report = {inc.report.report_id: inc.report for inc in view.reports.values()}
    rows = view.source_figures(rule.measure, rule.figure)
    sources = [
        EvidenceSource(
            source=row.source,
            kind=by_report[row.report_id].source.kind.value,
            report_id=row.report_id,
            reported_at=row.reported_at,
            figure=row.figure,
            value=row.value,
            reliable=row.reliable,
            used=row.used,
        )
        for row in rows
    ]
    value = view.values.get(rule.value_key, 0)
    used = next((s for s in sources if s.used), None)
    counting = rule.measure == INCIDENTS
    confirmers: list[str] = []
    lower: list[str] = []
    for s in sources:
        if s is used or not s.reliable:
            continue
        if counting or (s.value is not None and s.value >= value):
            confirmers.append(s.source)
        elif s.value is not None:
            lower.append(s.source)
    silent = tuple(s.source for s in sources if not counting and s.value is None)
    base = [by_report[used.report_id]] if used is not None else [r for r in by_report.values()]
    statuses = {r.verification for r in base}
    if confirmers or Verification.CONFIRMED in statuses:
        verification = Verification.CONFIRMED
    elif Verification.DISPUTED in statuses:
        verification = Verification.DISPUTED
    elif Verification.UNVERIFIED in statuses:
        verification = Verification.UNVERIFIED
    else:
        verification = Verification.REPORTED
    perpetrators = tuple(
        dict.fromkeys(p for r in by_report.values() for p in r.alleged_perpetrators)
    )
    evidence = EvidenceIncident(
        incident_id=view.incident_id,
        occurred_at=primary.occurred_at,
        occurred_precision=primary.occurred_precision,
        region=view.primary.region.key,
        place=primary.location.place,
        event_type=primary.event_type.value,
        value=value,
        verification=verification,
        confirmed_by=confirmers,
        alleged_perpetrators=list(perpetrators),
        sources=sources,
    )
    figure: Figure | None = None
    if used is not None:
        figure = by_report[used.report_id].casualties.figure(rule.measure)
    by_day = primary.occurred_precision is Precision.DAY
    moment = (
        datetime(
            primary.occurred_at.year, primary.occurred_at.month, primary.occurred_at.day
        ).replace(tzinfo=UTC)
        if by_day
        else primary.occurred_at.astimezone(UTC)
    )
    return Counted(
        evidence=evidence,
        qualifier=Qualifier.EXACT if figure is None else figure.qualifier,
        spread=0 if figure is None or figure.low is None else (figure.high or 0) - figure.low,
        moment=moment,
        by_day=by_day,
        perpetrators=perpetrators,
        lower=tuple(lower),
        silent=silent,
    )


def value_text(value: int, entries: Iterable[Counted]) -> str:
    """The total with the qualifiers of the figures behind it."""
    qualifiers: set[Qualifier] = set()
    spread = 0
    for entry in entries:
        qualifiers.add(entry.qualifier)
        spread += entry.spread
    if Qualifier.AT_LEAST in qualifiers:
        return f"at least {value}"
    if spread:
        return f"between {value} and {value + spread}"
    if Qualifier.ABOUT in qualifiers:
        return f"about {value}"
    return str(value)


def period(
    entries: list[Counted], window_end: float, width: int
) -> tuple[str, date | None, date | None]:
    """When the incidents behind the value happened, as an analyst reads it, with the first
    and last calendar day. With no incident: the days the window holds (a window ending
    at 00:00 of day D over whole days holds the day-precision incidents of the days up to
    and including D)."""
    if not entries:
        end = stamp(window_end)
        if window_end % DAY == 0 and width % DAY == 0:
            first = stamp(window_end - width + DAY).date()
            return days_text(first, end.date()), first, end.date()
        start = stamp(window_end - width)
        return times_text(start, end), start.date(), end.date()
    first_at = min(e.moment for e in entries)
    last_at = max(e.moment for e in entries)
    first, last = first_at.date(), last_at.date()
    if any(e.by_day for e in entries):
        return days_text(first, last), first, last
    return times_text(first_at, last_at), first, last


def verification_text(rule: Rule, entries: list[Counted], total: int) -> str:
    """How many sources, which, their kinds, and whether any independent one confirmed."""
    if not entries:
        return "No incident counted."
    kinds: dict[str, str] = {}
    silent: dict[str, str] = {}
    for entry in entries:
        for s in entry.evidence.sources:
            target = silent if s.source in entry.silent else kinds
            target.setdefault(s.source, kind_words(s.kind))
    for name in kinds:
        silent.pop(name, None)
    named = [f"{name} ({kind})" for name, kind in list(kinds.items())[:MAX_SOURCES_NAMED]]
    if len(kinds) > MAX_SOURCES_NAMED:
        named.append(f"{len(kinds) - MAX_SOURCES_NAMED} more")
    count = len(kinds)
    parts = [f"{count} source{'' if count == 1 else 's'}: {', '.join(named)}."]
    confirmed = [e for e in entries if e.evidence.verification is Verification.CONFIRMED]
    confirmed_value = sum(e.evidence.value for e in confirmed)
    incidents = len(entries)
    if confirmed and len(confirmed) == incidents:
        parts.append("Confirmed" + (" for every incident." if incidents > 1 else "."))
    elif confirmed:
        parts.append(
            f"Confirmed for {len(confirmed)} of {incidents} incidents "
            f"({confirmed_value} of {total})."
        )
    else:
        parts.append("Not independently confirmed.")
    lower = sorted({name for e in entries for name in e.lower})
    if lower:
        parts.append(f"Lower figures from {', '.join(lower)} do not confirm the higher ones.")
    for status in (Verification.UNVERIFIED, Verification.DISPUTED):
        flagged = [e for e in entries if e.evidence.verification is status]
        if flagged:
            amount = sum(e.evidence.value for e in flagged)
            parts.append(f"{status.value.capitalize()}: {len(flagged)} incident(s) ({amount}).")
    if silent:
        also = ", ".join(f"{name} ({kind})" for name, kind in list(silent.items())[:3])
        parts.append(f"Also reported by {also}, with no figure for {measure_words(rule.measure)}.")
    return " ".join(parts)


def place_text(group: Mapping[str, str]) -> str:
    """Fine to coarse: ``Idlib, SYR``."""
    return ", ".join(v for v in reversed(list(group.values())) if v and v != "?") or "?"


def summary_text(
    rule: Rule, step: Step, group: Mapping[str, str], shown_value: str, when: str
) -> str:
    """One line, the number and place first."""
    what = f"{shown_value} {measure_words(rule.measure)}"
    what = what[0].upper() + what[1:]
    place = place_text(group)
    span = window_words(rule.window_seconds)
    on = f"on {when}" if " to " not in when else f"from {when}"
    if step.transition is Transition.LATE:
        peak = rule.levels[step.peak - 1]
        return (
            f"{what} in {place} {on}: a past {span} window reached {peak.name} "
            f"(threshold {peak.threshold}), known only now from late reports"
        )
    if step.transition is Transition.RESOLVED:
        was = rule.levels[step.previous - 1]
        return f"{what} in {place} {on}: resolved (was {was.name}, threshold {was.threshold})"
    level = rule.levels[step.level - 1]
    head = f"{what} in {place} {on}: {level.name} (threshold {level.threshold} in {span})"
    if step.transition is Transition.UPDATED:
        return f"{head}, up from {step.was}"
    if step.transition is Transition.DEESCALATED:
        return f"{head}, down from {rule.level_name(step.previous)}"
    if step.transition is Transition.ESCALATED:
        return f"{head}, up from {rule.level_name(step.previous)}"
    return head


def build_alert(
    rule: Rule,
    group_key: str,
    fp: str,
    step: Step,
    now: float,
    timeline: Timeline | None,
    views: Mapping[str, IncidentView],
    limit: int,
    cache: EvidenceCache | None = None,
) -> Alert:
    width = rule.window_seconds
    value_key = rule.value_key
    # (-value, position, id) orders the evidence: largest first, then earliest; ids are
    # unique, so the view itself is never compared
    contributing: list[tuple[int, float, str, IncidentView]] = []
    if timeline is not None:
        for incident_id in timeline.members(step.window_end, width):
            view = views[incident_id]
            value = view.values.get(value_key, 0)
            if value > 0:
                contributing.append((-value, view.position, incident_id, view))
    contributing.sort()
    entries = [counted(rule, entry[3], cache) for entry in contributing]
    by_status: dict[str, int] = {}
    for entry in entries:  # statuses in the order the evidence lists
        status = entry.evidence.verification.value
        by_status[status] = by_status.get(status, 0) + entry.evidence.value
    total = sum(by_status.values())
    confident = by_status.get(Verification.CONFIRMED.value, 0)
    shown = step.peak if step.transition is Transition.LATE else (step.level or step.previous)
    threshold = rule.levels[shown - 1].threshold if shown else None
    group = group_fields(group_key, rule.group_by)
    when, first, last = period(entries, step.window_end, width)
    shown_value = value_text(step.value, entries)
    return Alert(
        fingerprint=fp,
        seq=step.seq,
        rule=rule.name,
        description=rule.description,
        group=group,
        group_key=group_key,
        status=step.status,
        transition=step.transition,
        level=rule.level_name(step.level),
        previous_level=rule.level_name(step.previous),
        measure=rule.measure,
        value=step.value,
        value_text=shown_value,
        threshold=threshold,
        window_seconds=width,
        window_start=stamp(step.window_end - width),
        window_end=stamp(step.window_end),
        period=when,
        period_first=first,
        period_last=last,
        watermark=stamp(now),
        late=step.late,
        confidence=round(confident / total, 4) if total else 0.0,
        verification=by_status,
        verification_text=verification_text(rule, entries, total),
        perpetrators=list(dict.fromkeys(p for e in entries for p in e.perpetrators))[
            :MAX_PERPETRATORS
        ],
        peak_level=rule.level_name(step.peak) if step.peak else None,
        evidence=[entry.evidence for entry in entries[:limit]],
        evidence_omitted=max(0, len(entries) - limit),
        summary=summary_text(rule, step, group, shown_value, when),
    )
