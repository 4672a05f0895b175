"""Turning a decided transition into the Alert record consumers see, with its evidence:
the incidents in the window, what each adds, and every source's figure behind it."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime

from schemas.alerts import Alert, EvidenceIncident, EvidenceSource
from schemas.reports import Verification
from services.aggregator.domain.alerting import Step
from services.aggregator.domain.incidents import IncidentView, group_fields
from services.aggregator.domain.rules import Rule
from services.aggregator.domain.windows import Timeline

_CONFIDENT = (Verification.CONFIRMED,)


def stamp(ts: float) -> datetime:
    return datetime.fromtimestamp(ts, tz=UTC)


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
    members = (
        [] if timeline is None else [views[i] for i in timeline.members(step.window_end, width)]
    )
    contributing = [v for v in members if v.value(rule.value_key) > 0]
    contributing.sort(key=lambda v: (-v.value(rule.value_key), v.position, v.incident_id))
    by_status: dict[str, int] = {}
    for view in contributing:
        status = view.verification.value
        by_status[status] = by_status.get(status, 0) + view.value(rule.value_key)
    total = sum(by_status.values())
    confident = sum(by_status.get(s.value, 0) for s in _CONFIDENT)
    level = step.level or step.previous
    threshold = rule.levels[level - 1].threshold if level else None
    level_name = rule.level_name(step.level)
    region = group_key
    fmt = "%Y-%m-%d %H:%M"
    window = f"{stamp(step.window_end - width):{fmt}} - {stamp(step.window_end):{fmt}} UTC"
    verb = {
        "fired": "FIRED",
        "escalated": "ESCALATED",
        "deescalated": "DE-ESCALATED",
        "resolved": "RESOLVED",
    }[step.transition.value]
    shown = level_name or rule.level_name(step.previous) or "-"
    summary = (
        f"[{shown}] {verb} {rule.name} {region}: {rule.measure}={step.value}"
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
        evidence=[_cached_evidence(rule, view, cache) for view in contributing[:limit]],
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
    report = view.primary.report
    # model_construct: built from validated reports, so no second validation per alert
    return EvidenceIncident.model_construct(
        incident_id=view.incident_id,
        occurred_at=report.occurred_at,
        region=view.primary.region.key,
        place=report.location.place,
        event_type=report.event_type.value,
        value=view.value(rule.value_key),
        verification=view.verification,
        sources=[
            EvidenceSource.model_construct(
                source=f.source,
                report_id=f.report_id,
                reported_at=f.reported_at,
                figure=f.figure,
                value=f.value,
                reliable=f.reliable,
                used=f.used,
            )
            for f in view.source_figures(rule.measure, rule.figure)
        ],
    )
