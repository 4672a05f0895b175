"""Pure free-text extraction rules: English wire text to IncidentReports.

Entry point: ``extract(text, reported_at=..., default_country=..., source=...)``; see
``extract.py`` for the rules and ``numbers.py`` / ``casualties.py`` / ``dates.py`` /
``context.py`` / ``places.py`` for each part.
"""

from .extract import MAX_TEXT_CHARS, Extraction, Skipped, extract, extract_all

__all__ = ["MAX_TEXT_CHARS", "Extraction", "Skipped", "extract", "extract_all"]
