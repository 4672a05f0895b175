"""The console: what is firing now (by level, then region), the current window value of
every region and rule, each country's event-time clock, dead letters, and the latest
transitions; all of it for one country with ``?country=SYR``."""

from __future__ import annotations

from services.console.domain.views import Console, CountryWindows, FiringGroup, region_label
from services.console.render.alert_page import split_summary, state_severity
from services.console.render.html import (
    Cell,
    ago,
    alert_href,
    badge,
    document,
    esc,
    event_time,
    table,
    wall_time,
)
from services.notifier.domain.text import period_text, shown_level

SEVERITY_TITLES = {
    "critical": "Critical",
    "error": "Error",
    "warning": "Warning",
    "info": "Info",
}


def firing_section(view: Console, now: float) -> str:
    total = sum(len(g.alerts) for g in view.firing)
    where = f" in {view.selected}" if view.selected else ""
    if not total:
        return (
            f'<section class="card" id="firing"><h2>Firing now{esc(where)}: nothing</h2>'
            '<p class="muted">No alert is firing.</p></section>'
        )
    parts = [f'<section class="card" id="firing"><h2>Firing now{esc(where)}: {total}</h2>']
    for group in view.firing:
        parts.append(firing_group(group, now))
    parts.append("</section>")
    return "".join(parts)


def firing_group(group: FiringGroup, now: float) -> str:
    title = SEVERITY_TITLES.get(group.severity, group.severity.title())
    items = []
    for item in group.alerts:
        alert = item.alert
        head, rest = split_summary(alert.summary)
        items.append(
            f'<li class="firing">{badge(group.severity, alert.level or "")} '
            f'<a class="what" href="{esc(alert_href(alert.fingerprint))}">{esc(head)}</a>'
            f'<div class="small muted">{esc(rest)} · {esc(region_label(alert.group_key))} · '
            f"rule {esc(alert.rule)} · #{alert.seq} {esc(alert.transition.value)} "
            f"{esc(ago(item.published, now))}</div></li>"
        )
    return (
        f"<h3>{esc(title)} ({len(group.alerts)})</h3>"
        f'<ul class="alerts sev-{esc(group.severity)}-list">{"".join(items)}</ul>'
    )


def windows_table(windows: CountryWindows) -> str:
    used = [c for c in windows.columns if any(c.name in cells for _, cells in windows.rows)]
    headers = [("Region", "")] + [(c.title, "num") for c in used]
    rows: list[list[Cell]] = []
    for group_key, cells in windows.rows:
        row: list[Cell] = [(esc(region_label(group_key)), "region")]
        for column in used:
            cell = cells.get(column.name)
            if cell is None:
                row.append(("", "num"))
            elif cell.level:
                link = esc(alert_href(cell.fingerprint))
                marked = badge(cell.severity or "", cell.level)
                row.append((f'<a href="{link}">{cell.value}</a> {marked}', "num hot"))
            else:
                row.append((str(cell.value), "num"))
        rows.append(row)
    clock = "no clock yet" if windows.clock is None else event_time(windows.clock)
    if not rows:
        body = '<p class="muted">Every window is empty.</p>'
    else:
        levels = "; ".join(f"{c.title}: {c.thresholds}" for c in used)
        body = table(headers, rows) + f'<p class="small muted">Levels: {esc(levels)}.</p>'
    return (
        f"<h3>{esc(windows.country)} <span class='muted small'>clock {esc(clock)}</span></h3>{body}"
    )


def windows_section(view: Console) -> str:
    if not view.windows:
        return (
            '<section class="card" id="windows"><h2>Window values</h2>'
            '<p class="muted">No aggregator state yet.</p></section>'
        )
    inner = "".join(windows_table(w) for w in view.windows)
    return (
        '<section class="card" id="windows"><h2>Window values now</h2>'
        "<p class=\"small muted\">Each region's total in each rule's window ending at its "
        "country's event-time clock; levels in force are marked.</p>"
        f"{inner}</section>"
    )


def deadletters_section(view: Console, now: float) -> str:
    tally = view.deadletters
    rows: list[list[Cell]] = [
        [esc(service), esc(kind), (str(count), "num")]
        for (service, kind), count in tally.by_kind.most_common()
    ]
    latest = ""
    if tally.recent:
        last = tally.recent[-1]
        latest = (
            f'<p class="small">Latest: {esc(wall_time(last.failed_at))} '
            f"({esc(ago(last.failed_at, now))}), {esc(last.service)}, "
            f"{esc(last.error_type)}: {esc(last.reason[:200])}</p>"
        )
    breakdown = table([("Service", ""), ("Reason", ""), ("Count", "num")], rows) if rows else ""
    return (
        '<section class="card" id="deadletters"><h2>Dead letters</h2>'
        f"<p><strong>{tally.total}</strong> in all, {view.deadletters_day} in the last 24 h. "
        '<span class="muted small">vigil deadletters list shows them.</span></p>'
        f"{latest}{breakdown}</section>"
    )


def clocks_section(view: Console) -> str:
    if not view.clocks:
        body = '<p class="muted">No country has an event-time clock yet.</p>'
    else:
        rows: list[list[Cell]] = [
            [esc(country), esc(event_time(clock))] for country, clock in sorted(view.clocks.items())
        ]
        body = table([("Country", ""), ("Event-time clock", "")], rows)
    return (
        '<section class="card" id="clocks"><h2>Event-time clocks</h2>'
        '<p class="small muted">How far each country\'s reports have reached: windows end '
        f"here.</p>{body}</section>"
    )


def recent_section(view: Console, now: float) -> str:
    if not view.recent:
        return ""
    rows: list[list[Cell]] = []
    for item in view.recent:
        alert = item.alert
        head, _ = split_summary(alert.summary)
        rows.append(
            [
                esc(ago(item.published, now)),
                badge(state_severity(alert), shown_level(alert) or "resolved"),
                esc(alert.transition.value),
                f'<a href="{esc(alert_href(alert.fingerprint))}">{esc(head)}</a>',
                esc(period_text(alert)),
            ]
        )
    headers = [("Published", ""), ("Level", ""), ("Transition", ""), ("Alert", ""), ("When", "")]
    return (
        '<section class="card" id="recent"><h2>Latest transitions</h2>'
        f"{table(headers, rows)}</section>"
    )


def status_line(view: Console, caught_up: bool, records: int, now: float) -> str:
    state = (
        "up to date"
        if caught_up
        else "still reading the topics from the beginning: what follows may be incomplete"
    )
    return (
        f'<p class="small muted">As of {esc(wall_time(now))}: {esc(state)} '
        f"({records} records read).</p>"
    )


def render_console(
    view: Console, now: float, caught_up: bool, records: int, refresh: int = 0
) -> str:
    body = (
        status_line(view, caught_up, records, now)
        + firing_section(view, now)
        + windows_section(view)
        + '<div class="grid2">'
        + deadletters_section(view, now)
        + clocks_section(view)
        + "</div>"
        + recent_section(view, now)
        + '<footer class="page">JSON: <a href="/v1/alerts">/v1/alerts</a> · '
        '<a href="/v1/overview">/v1/overview</a> · <a href="/openapi.json">OpenAPI</a>'
        "</footer>"
    )
    title = "Vigil console" + (f" · {view.selected}" if view.selected else "")
    return document(
        title,
        body,
        where=view.selected or "all countries",
        countries=view.countries,
        selected=view.selected,
        refresh=refresh,
    )
