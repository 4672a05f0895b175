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

from collections.abc import Mapping
from datetime import UTC, date, datetime
from functools import lru_cache
from typing import NamedTuple

from schemas.alerts import Alert, EvidenceIncident, EvidenceSource, Transition
from schemas.reports import Figure, IncidentReport, Precision, Qualifier, Verification
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


class Counted(NamedTuple):
    """What one incident puts behind an alert, judged once per (rule, incident view) from
    its reports (no model objects: every incident in the window is judged for every
    transition; the evidence entry is built only for those shown, ``evidence_entry``)."""

    value: int
    verification: Verification
    confirmed_by: tuple[str, ...]
    """Other reliable sources whose figure is at least the counted one."""
    lower: tuple[str, ...]
    """Reliable sources whose lower figure does not confirm the counted one."""
    silent: tuple[str, ...]
    """Sources of the incident with no figure for the rule's measure."""
    sources: tuple[tuple[str, str], ...]
    """(name, kind) of every source, in name order."""
    qualifier: Qualifier
    """Qualifier of the counted figure (exact for an incident count)."""
    spread: int
    """high - low of a range figure, else 0."""
    moment: datetime
    """Where it sits in event time: 00:00 UTC of its day for day precision, the start of
    its hour for hour precision, else the instant."""
    by_day: bool
    perpetrators: tuple[str, ...]


EvidenceCache = dict[tuple[str, str], tuple[IncidentView, Counted, EvidenceIncident | None]]
"""(rule, incident) -> the view an entry was built from, its judgement and (once shown)
its evidence entry. A view is immutable and replaced when its incident changes, so an
entry is valid while its view is the one asked about; the same incidents appear in alert
after alert."""


def counted(rule: Rule, view: IncidentView, cache: EvidenceCache | None = None) -> Counted:
    if cache is None:
        return _judge(rule, view)
    key = (rule.name, view.incident_id)
    hit = cache.get(key)
    if hit is not None and hit[0] is view:
        return hit[1]
    entry = _judge(rule, view)
    cache[key] = (view, entry, None)
    return entry


def evidence_entry(
    rule: Rule, view: IncidentView, judged: Counted, cache: EvidenceCache | None = None
) -> EvidenceIncident:
    """The incident's evidence: what it adds and every source's figure (the used one
    marked) with its kind, cached beside its judgement."""
    key = (rule.name, view.incident_id)
    hit = None if cache is None else cache.get(key)
    if hit is not None and hit[0] is view and hit[2] is not None:
        return hit[2]
    primary = view.primary.report
    kinds = {inc.report.report_id: inc.report.source.kind.value for inc in view.reports.values()}
    entry = EvidenceIncident(
        incident_id=view.incident_id,
        occurred_at=primary.occurred_at,
        occurred_precision=primary.occurred_precision,
        region=view.primary.region.key,
        place=primary.location.place,
        event_type=primary.event_type.value,
        value=judged.value,
        verification=judged.verification,
        confirmed_by=list(judged.confirmed_by),
        alleged_perpetrators=list(judged.perpetrators),
        sources=[
            EvidenceSource(kind=kinds[row.report_id], **row._asdict())
            for row in view.source_figures(rule.measure, rule.figure)
        ],
    )
    if cache is not None:
        cache[key] = (view, judged, entry)
    return entry


def _judge(rule: Rule, view: IncidentView) -> Counted:
    """Who confirms the counted figure, who gives a lower one, and how it reads. The
    counted figure is a trusted source's (reliable; any when none is) whose figure is the
    incident's value; any *other* trusted source with at least that figure confirms it."""
    primary = view.primary.report
    value = view.values.get(rule.value_key, 0)
    counting = rule.measure == INCIDENTS
    if len(view.reports) == 1:
        return _judge_one(rule, primary, value, counting, view.position)
    rows: list[tuple[str, str, int | None, bool, IncidentReport, Figure | None]] = []
    for key, incident in sorted(view.reports.items()):
        report = incident.report
        figure = None if counting else getattr(report.casualties, rule.measure)
        amount = 1 if counting else (None if figure is None else figure.pick(rule.figure))
        reliable = key not in view.unreliable
        rows.append(
            (report.source.name, report.source.kind.value, amount, reliable, report, figure)
        )
    having = [r for r in rows if r[2] is not None]
    trusted = [r for r in having if r[3]] or having
    chosen = next((r for r in reversed(trusted) if r[2] == value), None)
    if chosen is None:
        chosen = next((r for r in having if r[2] == value), None)
    confirmed_by = tuple(r[0] for r in trusted if r is not chosen and (r[2] or 0) >= value)
    lower = tuple(r[0] for r in trusted if r is not chosen and (r[2] or 0) < value)
    silent = tuple(r[0] for r in rows if r[2] is None)
    base = [chosen[4]] if chosen is not None else [r[4] for r in rows]
    statuses = {report.verification for report in base}
    if confirmed_by or Verification.CONFIRMED in statuses:
        verification = Verification.CONFIRMED
    elif Verification.DISPUTED in statuses:
        verification = Verification.DISPUTED
    elif Verification.UNVERIFIED in statuses:
        verification = Verification.UNVERIFIED
    else:
        verification = Verification.REPORTED
    figure = None if chosen is None else chosen[5]
    by_day = primary.occurred_precision is Precision.DAY
    return Counted(
        value=value,
        verification=verification,
        confirmed_by=confirmed_by,
        lower=lower,
        silent=silent,
        sources=tuple((r[0], r[1]) for r in rows),
        qualifier=Qualifier.EXACT if figure is None else figure.qualifier,
        spread=_spread(figure),
        moment=stamp(view.position),
        by_day=by_day,
        perpetrators=tuple(dict.fromkeys(p for r in rows for p in r[4].alleged_perpetrators)),
    )


def _judge_one(
    rule: Rule, report: IncidentReport, value: int, counting: bool, position: float
) -> Counted:
    """``_judge`` for an incident with one source (the common case, and hot): nobody else
    confirms it or gives a lower figure."""
    figure = None if counting else getattr(report.casualties, rule.measure)
    name = report.source.name
    silent = (name,) if figure is None and not counting else ()
    return Counted(
        value=value,
        verification=report.verification,
        confirmed_by=(),
        lower=(),
        silent=silent,
        sources=((name, report.source.kind.value),),
        qualifier=Qualifier.EXACT if figure is None else figure.qualifier,
        spread=_spread(figure),
        moment=stamp(position),
        by_day=report.occurred_precision is Precision.DAY,
        perpetrators=tuple(report.alleged_perpetrators),
    )


def _spread(figure: Figure | None) -> int:
    return 0 if figure is None or figure.low is None else (figure.high or 0) - figure.low


NAMED_INCIDENTS = 50
"""The sources, kinds and perpetrators an alert names come from its largest incidents, at
most this many (a 7-day country window holds hundreds, for every transition)."""


class Tally:
    """What the texts need from the incidents behind a value: sums and the period over all
    of them, names over the largest ``NAMED_INCIDENTS`` (``name``)."""

    __slots__ = (
        "by_day",
        "by_status",
        "confirmed",
        "confirmed_value",
        "count",
        "first",
        "flagged",
        "kinds",
        "last",
        "lower",
        "named",
        "perpetrators",
        "qualifiers",
        "silent",
        "spread",
    )

    def __init__(self, entries: list[Counted]) -> None:
        self.count = len(entries)
        by_status: dict[str, int] = {}  # keyed by the StrEnum members: no .value lookups
        flagged: dict[Verification, list[int]] = {}
        qualifiers: set[Qualifier] = set()
        spread = confirmed = confirmed_value = 0
        first = last = None
        by_day = False
        for entry in entries:
            status, value, moment = entry.verification, entry.value, entry.moment
            by_status[status] = by_status.get(status, 0) + value
            if status is Verification.CONFIRMED:
                confirmed += 1
                confirmed_value += value
            elif status is not Verification.REPORTED:
                seen = flagged.setdefault(status, [0, 0])
                seen[0] += 1
                seen[1] += value
            if first is None or moment < first:
                first = moment
            if last is None or moment > last:
                last = moment
            by_day = by_day or entry.by_day
            qualifiers.add(entry.qualifier)
            spread += entry.spread
        self.by_status, self.flagged, self.qualifiers = by_status, flagged, qualifiers
        self.spread, self.confirmed, self.confirmed_value = spread, confirmed, confirmed_value
        self.first: datetime | None = first
        self.last: datetime | None = last
        self.by_day = by_day
        self.kinds: dict[str, str] = {}
        self.silent: dict[str, str] = {}
        self.lower: set[str] = set()
        self.perpetrators: dict[str, None] = {}
        self.named = min(self.count, NAMED_INCIDENTS)
        for entry in entries[:NAMED_INCIDENTS]:
            for name, kind in entry.sources:
                target = self.silent if name in entry.silent else self.kinds
                target.setdefault(name, kind)
            self.lower.update(entry.lower)
            for name in entry.perpetrators:
                self.perpetrators[name] = None


def value_text(value: int, tally: Tally) -> str:
    """The total with the qualifiers of the figures behind it."""
    if Qualifier.AT_LEAST in tally.qualifiers:
        return f"at least {value}"
    if tally.spread:
        return f"between {value} and {value + tally.spread}"
    if Qualifier.ABOUT in tally.qualifiers:
        return f"about {value}"
    return str(value)


def period(tally: Tally, window_end: float, width: int) -> tuple[str, date | None, date | None]:
    """When the incidents behind the value happened, as an analyst reads it, with the first
    and last calendar day. With no incident: the days the window holds (a window ending
    at 00:00 of day D over whole days holds the day-precision incidents of the days up to
    and including D)."""
    if tally.first is None or tally.last is None:
        end = stamp(window_end)
        if window_end % DAY == 0 and width % DAY == 0:
            first = stamp(window_end - width + DAY).date()
            return days_text(first, end.date()), first, end.date()
        start = stamp(window_end - width)
        return times_text(start, end), start.date(), end.date()
    first, last = tally.first.date(), tally.last.date()
    if tally.by_day:
        return days_text(first, last), first, last
    return times_text(tally.first, tally.last), first, last


def verification_text(rule: Rule, tally: Tally, total: int) -> str:
    """How many sources, which, their kinds, and whether any independent one confirmed."""
    if not tally.count:
        return "No incident counted."
    kinds = tally.kinds
    silent = {name: kind for name, kind in tally.silent.items() if name not in kinds}
    shown = list(kinds.items())[:MAX_SOURCES_NAMED]
    named = [f"{name} ({kind_words(kind)})" for name, kind in shown]
    if len(kinds) > MAX_SOURCES_NAMED:
        named.append(f"{len(kinds) - MAX_SOURCES_NAMED} more")
    count = len(kinds)
    among = "" if tally.named == tally.count else f" (in the {tally.named} largest incidents)"
    parts = [f"{count} source{'' if count == 1 else 's'}{among}: {', '.join(named)}."]
    incidents = tally.count
    if tally.confirmed and tally.confirmed == incidents:
        parts.append("Confirmed" + (" for every incident." if incidents > 1 else "."))
    elif tally.confirmed:
        parts.append(
            f"Confirmed for {tally.confirmed} of {incidents} incidents "
            f"({tally.confirmed_value} of {total})."
        )
    else:
        parts.append("Not independently confirmed.")
    if tally.lower:
        lower = ", ".join(sorted(tally.lower))
        parts.append(f"Lower figures from {lower} do not confirm the higher ones.")
    for status in (Verification.UNVERIFIED, Verification.DISPUTED):
        if status in tally.flagged:
            number, amount = tally.flagged[status]
            parts.append(f"{status.value.capitalize()}: {number} incident(s) ({amount}).")
    if silent:
        also = ", ".join(f"{name} ({kind_words(kind)})" for name, kind in list(silent.items())[:3])
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
    entries: list[Counted] = []
    name = rule.name
    for _, _, incident_id, view in contributing:
        hit = None if cache is None else cache.get((name, incident_id))
        entries.append(hit[1] if hit is not None and hit[0] is view else counted(rule, view, cache))
    tally = Tally(entries)
    by_status = tally.by_status
    total = sum(by_status.values())
    confident = tally.confirmed_value
    shown = step.peak if step.transition is Transition.LATE else (step.level or step.previous)
    threshold = rule.levels[shown - 1].threshold if shown else None
    group = group_fields(group_key, rule.group_by)
    when, first, last = period(tally, step.window_end, width)
    shown_value = value_text(step.value, tally)
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
        levels=[lvl.name for lvl in rule.levels],
        level_rank=step.level or None,
        previous_level_rank=step.previous or None,
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
        verification_text=verification_text(rule, tally, total),
        perpetrators=list(tally.perpetrators)[:MAX_PERPETRATORS],
        peak_level=rule.level_name(step.peak) if step.peak else None,
        peak_level_rank=step.peak or None,
        evidence=[
            evidence_entry(rule, item[3], judged, cache)
            for item, judged in zip(contributing[:limit], entries, strict=False)
        ],
        evidence_omitted=max(0, len(entries) - limit),
        summary=summary_text(rule, step, group, shown_value, when),
    )
