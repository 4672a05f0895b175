"""What every importer shares: results, field parsers, country names, deterministic ids.

Pure code. A field parser returns None for a blank cell ("not reported") and raises
``RowError`` for a cell that is present but unreadable; the mapping modules turn a
``RowError`` into a ``Rejected`` result, so no row is ever dropped silently.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import cache
from pathlib import Path

import yaml
from pydantic import ValidationError

from schemas.reports import MAX_FIGURE, Figure, IncidentReport
from services.common.codec import explain

Row = Mapping[str, str | None]
"""A CSV row as ``csv.DictReader`` yields it (a short row has None for missing cells)."""

COUNTRIES_FILE = Path(__file__).with_name("countries.yaml")


@dataclass(frozen=True)
class Rejected:
    """A row that could not become a report. ``row`` counts data rows from 1 (the header
    is not counted); ``kind`` is a short class for summaries, ``reason`` says it fully."""

    row: int
    kind: str
    reason: str


ImportResult = IncidentReport | Rejected


class RowError(Exception):
    def __init__(self, kind: str, reason: str) -> None:
        super().__init__(reason)
        self.kind = kind
        self.reason = reason


def cell(row: Row, column: str) -> str | None:
    """The trimmed cell, or None when blank or missing."""
    value = row.get(column)
    if value is None:
        return None
    value = value.strip()
    return value or None


def require(row: Row, column: str, kind: str | None = None) -> str:
    value = cell(row, column)
    if value is None:
        raise RowError(kind or f"missing_{column}", f"{column} is blank")
    return value


_ISO_PREFIX = re.compile(r"^\d{4}-\d{2}-\d{2}")
_DATE_FORMATS = ("%Y-%m-%d", "%d-%b-%y", "%d-%b-%Y", "%d %B %Y", "%d %b %Y")


def parse_date(text: str, column: str) -> date:
    """ISO ``2020-05-09`` and ACLED's ``9-May-20`` (also ``9-May-2020``, ``9 May 2020``);
    an ISO date-time keeps only its date."""
    head = text[:10] if _ISO_PREFIX.match(text) else text
    if len(head) == 10 and _ISO_PREFIX.match(head):
        try:
            return date.fromisoformat(head)  # the common case; 10x faster than strptime
        except ValueError:
            pass
    for fmt in _DATE_FORMATS:
        try:
            return datetime.strptime(head, fmt).date()
        except ValueError:
            continue
    raise RowError("bad_date", f"{column} {text!r} is not a date (expected 2020-05-09 or 9-May-20)")


def day_start(day: date) -> datetime:
    """Day-precision times sit at 00:00 UTC of their day (the convention of every importer)."""
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


def parse_datetime(text: str, column: str) -> datetime:
    """``2012-05-11 14:39`` or ISO 8601; without a zone, UTC is assumed."""
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        return day_start(parse_date(text, column))
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def parse_count(row: Row, column: str) -> int | None:
    """A non-negative whole number, or None when blank. ``3.0`` is accepted, ``-1`` is not."""
    text = cell(row, column)
    if text is None:
        return None
    try:
        number = float(text.replace(",", ""))
    except ValueError:
        raise RowError("bad_figure", f"{column} {text!r} is not a number") from None
    if number != int(number) or number < 0 or number > MAX_FIGURE:
        raise RowError("bad_figure", f"{column} {text!r} is not a count between 0 and {MAX_FIGURE}")
    return int(number)


def figure_from_pair(row: Row, low_col: str, high_col: str) -> Figure | None:
    """A min/max pair: both blank -> None (not reported); equal -> exact; different ->
    range; only min -> at least min; only max -> range 0..max ("up to")."""
    low, high = parse_count(row, low_col), parse_count(row, high_col)
    if low is None and high is None:
        return None
    if high is None:
        assert low is not None
        return Figure.at_least(low)
    if low is None:
        return Figure.between(0, high) if high else Figure.exact(0)
    if low > high:
        raise RowError("bad_figure", f"{low_col} {low} is above {high_col} {high}")
    return Figure.exact(low) if low == high else Figure.between(low, high)


def parse_coordinate(row: Row, column: str, limit: float) -> float | None:
    text = cell(row, column)
    if text is None:
        return None
    try:
        value = float(text)
    except ValueError:
        raise RowError("bad_coordinate", f"{column} {text!r} is not a number") from None
    if not -limit <= value <= limit:
        raise RowError("bad_coordinate", f"{column} {text} is outside -{limit:g}..{limit:g}")
    return value


def _fold_name(name: str) -> str:
    return " ".join(name.casefold().split())


@cache
def country_index(path: Path = COUNTRIES_FILE) -> dict[str, str]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return {_fold_name(str(name)): str(code) for code, names in data.items() for name in names}


def country_code(name: str) -> str:
    """ISO3 for a country name (countries.yaml); an unknown name rejects the row."""
    code = country_index().get(_fold_name(name))
    if code is None:
        raise RowError(
            "unknown_country", f"unknown country {name!r} (add it to {COUNTRIES_FILE.name})"
        )
    return code


def row_digest(row: Row) -> str:
    """12 hex characters that change when any cell of the row changes, so a revised row
    gets a new report_id (a revision) while an unchanged one keeps its id (a repeat)."""
    text = "\x1f".join(f"{k}={v or ''}" for k, v in row.items() if k is not None)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]


def safe_id(text: str) -> str:
    """Native ids as Identifier characters: spaces become '+', anything odd becomes '_'."""
    return re.sub(r"[^A-Za-z0-9._:/@+\-]", "_", "+".join(text.split()))


def clip(text: str | None, limit: int = 200) -> str | None:
    return None if text is None else text[:limit]


def map_rows(rows: Iterable[Row], build: Callable[[Row], IncidentReport]) -> Iterator[ImportResult]:
    """Apply ``build`` to every row, turning every failure into a ``Rejected``."""
    for number, row in enumerate(rows, start=1):
        try:
            yield build(row)
        except RowError as exc:
            yield Rejected(number, exc.kind, exc.reason)
        except ValidationError as exc:
            yield Rejected(number, "invalid_report", explain(exc))
