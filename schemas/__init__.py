"""Vigil's topic contracts: pydantic v2 models, one module per topic family.

Every model carries a ``schema_version``. The JSON Schema files under ``schemas/json/``
are generated from these models (``make schemas``) and a test fails when they drift.
"""

from schemas.alerts import (
    Alert,
    AlertStatus,
    EvidenceIncident,
    EvidenceSource,
    LinkedIncident,
    SuspectedDuplicate,
    Transition,
)
from schemas.deadletters import DeadLetter
from schemas.incidents import ClassifiedIncident, RegionRef, Severity
from schemas.links import LinkAction, LinkDecision
from schemas.reports import (
    Casualties,
    EventType,
    Figure,
    IncidentReport,
    Location,
    Precision,
    Qualifier,
    ReportKind,
    Source,
    SourceKind,
    Verification,
)

__all__ = [
    "Alert",
    "AlertStatus",
    "Casualties",
    "ClassifiedIncident",
    "DeadLetter",
    "EventType",
    "EvidenceIncident",
    "EvidenceSource",
    "Figure",
    "IncidentReport",
    "LinkAction",
    "LinkDecision",
    "LinkedIncident",
    "Location",
    "Precision",
    "Qualifier",
    "RegionRef",
    "ReportKind",
    "Severity",
    "Source",
    "SourceKind",
    "SuspectedDuplicate",
    "Transition",
    "Verification",
]
