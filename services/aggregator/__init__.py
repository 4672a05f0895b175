"""Aggregator / alerter service.

Reads ``vigil.incidents.classified.v1`` (ClassifiedIncident JSON, keyed by country) and its
own ``vigil.aggregator.ticks.v1``; keeps per country the incidents of the rolling
event-time windows and the country's clock (changelogged Faust tables) and evaluates the
alert rules on every incident; writes alert transitions to ``vigil.alerts.v2`` (Alert
JSON, keyed by fingerprint) and undecodable or refused records (future, conflict, too
late) to ``vigil.deadletters.v1``.

Rooms: ``domain/`` the pure rules; ``service.py`` the service layer (batches, outbox,
rebuild after a rebalance; no Faust); ``state.py`` how state maps to key-value tables;
``adapters.py`` Faust tables and producer; ``agents.py`` and ``app.py`` the wiring.
"""
