"""Importers: ACLED, UCDP GED and Airwars CSV exports -> IncidentReports.

Writes ``vigil.reports.v1`` (keyed by country, via services.common.publisher); reads no
topic. ``acled``, ``ucdp`` and ``airwars`` are pure row mappings (every row becomes a
report or a ``Rejected`` with its reason); ``summary`` and ``pacing`` are pure helpers;
``cli`` is the ``vigil import`` command that streams a file through them.
"""
