"""Ingest: authenticated HTTP entry point for structured incident reports.

Reads: nothing from Kafka; ``POST /v1/reports`` over HTTP (one IncidentReport or a JSON
array of them, bearer token required).
Writes: ``vigil.reports.v1`` (``Topics(prefix).reports``), IncidentReport JSON keyed by
country, and answers 202 only after the broker acknowledged every accepted report.

Also serves ``GET /healthz``, ``GET /metrics`` (Prometheus) and ``GET /openapi.json``
(the committed OpenAPI 3.1 document, ``services/ingest/openapi.json``).

Run: ``python -m services.ingest`` (settings: ``services.ingest.settings``).
"""
