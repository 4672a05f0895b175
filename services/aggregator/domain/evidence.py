"""Turning a decided transition into the Alert record consumers see, with its evidence:
the incidents in the window, what each adds, and every source's figure behind it."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from functools import lru_cache

from schemas.alerts import Alert, EvidenceIncident, EvidenceSource, Transition
from schemas.reports import Verification
from services.aggregator.domain.alerting import Step
from services.aggregator.domain.incidents import IncidentView, group_fields
from services.aggregator.domain.rules import Rule
from services.aggregator.domain.windows import Timeline

_CONFIDENT = (Verification.CONFIRMED,)


def stamp(ts: float) -> datetime:
    return datetime.fromtimestamp(ts, tz=UTC)


@lru_cache(maxsize=4096)
def _window_text(end: float, width: float) -> str:
    fmt = "%Y-%m-%d %H:%M"
    return f"{stamp(end - width):{fmt}} - {stamp(end):{fmt}} UTC"


_VERBS = {
    Transition.FIRED: "FIRED",
    Transition.ESCALATED: "ESCALATED",
    Transition.DEESCALATED: "DE-ESCALATED",
    Transition.RESOLVED: "RESOLVED",
}


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
    by_status: dict[str, int] = {}
    if timeline is not None:
        for incident_id in timeline.members(step.window_end, width):
            view = views[incident_id]
            value = view.values.get(value_key, 0)
            if value > 0:
                contributing.append((-value, view.position, incident_id, view))
    contributing.sort()
    for negative, _, _, view in contributing:  # statuses in the order the evidence lists
        status = view.verification.value
        by_status[status] = by_status.get(status, 0) - negative
    total = sum(by_status.values())
    confident = sum(by_status.get(s.value, 0) for s in _CONFIDENT)
    level = step.level or step.previous
    threshold = rule.levels[level - 1].threshold if level else None
    level_name = rule.level_name(step.level)
    window = _window_text(step.window_end, width)
    shown = level_name or rule.level_name(step.previous) or "-"
    summary = (
        f"[{shown}] {_VERBS[step.transition]} {rule.name} {group_key}: {rule.measure}={step.value}"
        f"{'' if threshold is None else f' (threshold {threshold})'} in {window}"
        f"{' (late reports)' if step.late else ''}"
    )
    return Alert(
        fingerprint=fp,
        seq=step.seq,
        rule=rule.name,
        group=group_fields(group_key, rule.group_by),
        group_key=group_key,
        status=step.status,
        transition=step.transition,
        level=level_name,
        previous_level=rule.level_name(step.previous),
        measure=rule.measure,
        value=step.value,
        threshold=threshold,
        window_seconds=width,
        window_start=stamp(step.window_end - width),
        window_end=stamp(step.window_end),
        watermark=stamp(now),
        late=step.late,
        confidence=round(confident / total, 4) if total else 0.0,
        verification=by_status,
        evidence=[_cached_evidence(rule, entry[3], cache) for entry in contributing[:limit]],
        evidence_omitted=max(0, len(contributing) - limit),
        summary=summary,
    )


EvidenceCache = dict[tuple[str, str], tuple[IncidentView, EvidenceIncident]]
"""(rule, incident) -> the view an evidence entry was built from, and the entry. A view
is immutable and replaced when its incident changes, so an entry is valid while its view
is the one asked about; the same incidents appear in alert after alert."""


def _cached_evidence(
    rule: Rule, view: IncidentView, cache: EvidenceCache | None
) -> EvidenceIncident:
    if cache is None:
        return _evidence(rule, view)
    key = (rule.name, view.incident_id)
    hit = cache.get(key)
    if hit is not None and hit[0] is view:
        return hit[1]
    entry = _evidence(rule, view)
    cache[key] = (view, entry)
    return entry


def _evidence(rule: Rule, view: IncidentView) -> EvidenceIncident:
    """The incident's entry: what it adds and every source's figure, the used one marked.
    (Validating constructors: faster than ``model_construct`` for models this small.)"""
    primary = view.primary
    report = primary.report
    sources = [  # a SourceFigure has EvidenceSource's fields, in its order
        EvidenceSource(**row._asdict()) for row in view.source_figures(rule.measure, rule.figure)
    ]
    return EvidenceIncident(
        incident_id=view.incident_id,
        occurred_at=report.occurred_at,
        region=primary.region.key,
        place=report.location.place,
        event_type=report.event_type.value,
        value=view.values.get(rule.value_key, 0),
        verification=view.verification,
        sources=sources,
    )
