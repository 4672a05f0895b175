"""Aggregator / alerter service.

Reads ``vigil.incidents.classified.v1`` (ClassifiedIncident JSON, keyed by country) and its
own ``vigil.aggregator.ticks.v1``; keeps per partition the incidents of the rolling
event-time windows (Faust tables, changelogged) and evaluates the alert rules on every
incident; writes alert transitions to ``vigil.alerts.v2`` (Alert JSON, keyed by
fingerprint) and undecodable records to ``vigil.deadletters.v1``. The rules themselves
live in ``domain/`` (pure); this package only wires them to topics and tables.
"""
