"""Small building blocks of the pages: escaping, the document around a page, times as
an analyst reads them, tables that stack on a phone."""

from __future__ import annotations

import html
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from urllib.parse import quote

from services.console.render.style import CSS

Cell = str | tuple[str, str]
"""Escaped HTML of a table cell, or (escaped HTML, class)."""


def esc(value: object) -> str:
    return html.escape("" if value is None else str(value), quote=True)


def alert_href(fingerprint: str) -> str:
    return f"/alerts/{quote(fingerprint, safe=':')}"


def api_href(fingerprint: str) -> str:
    return f"/v1/alerts/{quote(fingerprint, safe=':')}"


def moment(ts: float) -> datetime:
    return datetime.fromtimestamp(ts, tz=UTC)


def event_time(ts: float) -> str:
    """An event-time instant: ``2024-12-01`` at 00:00 UTC (where day-precision incidents
    sit), else ``2024-12-01 03:00 UTC``."""
    when = moment(ts)
    if when.hour == when.minute == when.second == 0:
        return f"{when:%Y-%m-%d}"
    return f"{when:%Y-%m-%d %H:%M} UTC"


def wall_time(ts: float | None) -> str:
    """A wall-clock instant: ``2026-12-03 05:59:12 UTC``."""
    return "-" if ts is None else f"{moment(ts):%Y-%m-%d %H:%M:%S} UTC"


def minute(ts: float) -> str:
    """``2024-12-02 07:30 UTC`` (when a source issued a report)."""
    return f"{moment(ts):%Y-%m-%d %H:%M} UTC"


def ago(ts: float | None, now: float) -> str:
    """``3 min ago``, ``2 h ago``, ``5 days ago``."""
    if ts is None:
        return ""
    seconds = max(0.0, now - ts)
    if seconds < 90:
        return f"{seconds:.0f} s ago"
    if seconds < 5400:
        return f"{seconds / 60:.0f} min ago"
    if seconds < 2 * 86400:
        return f"{seconds / 3600:.0f} h ago"
    return f"{seconds / 86400:.0f} days ago"


def badge(severity: str, text: str) -> str:
    return f'<span class="badge sev-{esc(severity)}">{esc(text)}</span>'


def table(
    headers: Sequence[tuple[str, str]],
    rows: Iterable[Sequence[Cell]],
    css: str = "stack",
) -> str:
    """A table whose rows stack as label: value lines on a phone (``data-label``).
    ``headers``: (label, class) pairs; cells are escaped HTML already."""
    head = "".join(f'<th class="{c}">{esc(label)}</th>' for label, c in headers)
    body = []
    for row in rows:
        cells = []
        for (label, column_class), cell in zip(headers, row, strict=True):
            content, extra = (cell, "") if isinstance(cell, str) else cell
            css_class = " ".join(x for x in (column_class, extra) if x)
            cls = f' class="{css_class}"' if css_class else ""
            cells.append(f'<td data-label="{esc(label)}"{cls}>{content}</td>')
        body.append(f"<tr>{''.join(cells)}</tr>")
    return (
        f'<div class="scroll"><table class="{css}"><thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(body)}</tbody></table></div>"
    )


def document(
    title: str,
    body: str,
    *,
    where: str = "",
    countries: Sequence[str] = (),
    selected: str | None = None,
    refresh: int = 0,
) -> str:
    """A whole page: the bar (console link, where we are, the country filter), ``body``."""
    meta = f'<meta http-equiv="refresh" content="{refresh}">' if refresh > 0 else ""
    options = ['<option value="">All countries</option>'] + [
        f'<option value="{esc(c)}"{" selected" if c == selected else ""}>{esc(c)}</option>'
        for c in countries
    ]
    chooser = (
        '<form method="get" action="/" role="search">'
        '<label for="country" class="where">Country</label>'
        f'<select id="country" name="country">{"".join(options)}</select>'
        '<button type="submit">Show</button></form>'
        if countries
        else ""
    )
    where_html = f'<span class="where">{esc(where)}</span>' if where else ""
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"{meta}<title>{esc(title)}</title><style>{CSS}</style></head><body>"
        f'<header class="bar"><a class="brand" href="/">Vigil console</a>{where_html}'
        f"{chooser}</header><main>{body}</main></body></html>"
    )
