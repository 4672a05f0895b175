"""Classifier service.

Reads ``vigil.reports.v1`` (IncidentReport JSON), validates each report, normalises its
region through the gazetteer and gives it a severity with reasons; writes
``vigil.incidents.classified.v1`` (ClassifiedIncident JSON, keyed by country). Records that
cannot be decoded or validated, and reports dated too far in the future (the event-time
guard, ``services.common.eventtime``), go to ``vigil.deadletters.v1`` with the reason.
"""
