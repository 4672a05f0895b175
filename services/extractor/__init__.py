"""Extractor: free-text wire reports to IncidentReports.

Reads ``vigil.reports.raw-text.v1`` (UTF-8 text) and writes ``vigil.reports.v1``
(IncidentReport JSON keyed by country). The rules are pure and live in ``domain``
(``services.extractor.domain.extract``); ``cli.py`` adds ``vigil extract FILE``.
"""
