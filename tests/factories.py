"""Builders for test reports (small, explicit, no randomness of their own)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from schemas.incidents import ClassifiedIncident, Severity
from schemas.reports import (
    Casualties,
    Figure,
    IncidentReport,
    Location,
    Precision,
    ReportKind,
    Source,
    SourceKind,
    Verification,
)
from services.common.gazetteer import Gazetteer

T0 = datetime(2024, 12, 1, tzinfo=UTC)


def report(
    report_id: str,
    incident_id: str | None = None,
    *,
    region: str = "Idlib",
    country: str = "SYR",
    hours: float = 0.0,
    precision: Precision = Precision.EXACT,
    reported_hours: float | None = None,
    source: str = "White Helmets",
    killed: Figure | int | None = None,
    children: Figure | int | None = None,
    injured: Figure | int | None = None,
    kind: ReportKind = ReportKind.INCIDENT,
    verification: Verification = Verification.REPORTED,
) -> IncidentReport:
    def fig(value: Figure | int | None) -> Figure | None:
        return Figure.exact(value) if isinstance(value, int) else value

    occurred = T0 + timedelta(hours=hours)
    reported = occurred + timedelta(hours=1 if reported_hours is None else reported_hours)
    return IncidentReport(
        report_id=report_id,
        incident_id=incident_id or report_id,
        source=Source(name=source, kind=SourceKind.NGO),
        reported_at=reported,
        occurred_at=occurred,
        occurred_precision=precision,
        location=Location(country=country, admin1=region),
        casualties=Casualties(
            killed=fig(killed), children_killed=fig(children), injured=fig(injured)
        ),
        kind=kind,
        verification=verification,
    )


def classified(rep: IncidentReport) -> ClassifiedIncident:
    region = Gazetteer.default().normalise(rep.location.country, rep.location.admin1)
    return ClassifiedIncident(report=rep, region=region, severity=Severity.LOW, reasons=[])
