"""The alert page: what fired, how the count moved, what it rests on, what happened since.

Reading order for an analyst who followed a link from Slack or PagerDuty: the level and
the summary (number and place first); the facts (value with its qualifier, the days,
the region, the rule, verification in words, alleged perpetrators); the chart of the
window value with the level lines; the evidence (each incident on its day, every source
with its kind and figure as given, the counted one marked, and the reports' own words);
the transitions, newest first.
"""

from __future__ import annotations

from schemas.alerts import Alert, AlertStatus, EvidenceIncident, Transition
from services.console.domain.views import AlertPage, ReportText, region_label
from services.console.render.chart import chart_figure
from services.console.render.html import (
    Cell,
    ago,
    api_href,
    badge,
    document,
    esc,
    event_time,
    minute,
    table,
    wall_time,
)
from services.notifier.domain.text import (
    EVENT_WORDS,
    kind_words,
    occurred_text,
    period_text,
    severity,
    shown_level,
)


def state_severity(alert: Alert) -> str:
    """The page's colour: the level in force, green once resolved, blue for a notice."""
    if alert.status is AlertStatus.RESOLVED:
        return "ok"
    if alert.transition is Transition.LATE and alert.level is None:
        return "info"
    return severity(alert.level)


def split_summary(summary: str) -> tuple[str, str]:
    """``At least 10 children killed in Idlib, SYR on 2024-12-01`` and what follows the
    first ': ' (``critical (threshold 10 in 24 h)``)."""
    head, sep, rest = summary.partition(": ")
    return (head, rest) if sep else (summary, "")


def event_words(event_type: str) -> str:
    return EVENT_WORDS.get(event_type, event_type.replace("_", " "))


def headline(page: AlertPage, now: float) -> str:
    latest = page.latest
    alert = latest.alert
    sev = state_severity(alert)
    status = "Resolved" if alert.status is AlertStatus.RESOLVED else "Firing"
    level = shown_level(alert) or "resolved"
    label = "resolved" if alert.status is AlertStatus.RESOLVED else level
    head, rest = split_summary(alert.summary)
    late = ""
    if alert.transition is Transition.LATE:
        late = (
            '<p class="small">News about the past: late reports completed a crossing in a '
            "window already behind the clock. Nothing new fires because of it"
            + (f" (in force now: {esc(alert.level)})." if alert.level else ".")
            + "</p>"
        )
    return (
        f'<section class="card headline sev-{sev}">'
        f"<p>{badge(sev, label)} <strong>{status}</strong> "
        f'<span class="muted">· transition #{alert.seq} {esc(alert.transition.value)} · '
        f"published {esc(wall_time(latest.published))} "
        f"({esc(ago(latest.published, now))})</span></p>"
        f"<h1>{esc(head)}</h1>"
        + (f'<p class="sub">{esc(rest)}</p>' if rest else "")
        + late
        + "</section>"
    )


def firing_since(page: AlertPage) -> str:
    """When the current episode began: the last ``fired`` transition."""
    if page.latest.alert.status is not AlertStatus.FIRING:
        return ""
    for item in reversed(page.history):
        if item.alert.transition is Transition.FIRED:
            return f"{wall_time(item.published)} (#{item.alert.seq})"
    return "before the transitions kept here"


def facts(page: AlertPage) -> str:
    alert = page.latest.alert
    rows: list[tuple[str, str]] = []
    threshold = "" if alert.threshold is None else f" (threshold {alert.threshold})"
    measure = alert.measure.replace("_", " ")
    rows.append(("Value", f"<strong>{esc(alert.value_text or alert.value)}</strong> "
                 f"{esc(measure)}{esc(threshold)}"))  # fmt: skip
    rows.append(("When", esc(period_text(alert))))
    rows.append(("Where", esc(region_label(alert.group_key))))
    rule = esc(alert.rule) + (f" — {esc(alert.description)}" if alert.description else "")
    rows.append(("Rule", rule))
    if alert.verification_text:
        rows.append(("Verification", esc(alert.verification_text)))
    if alert.perpetrators:
        rows.append(("Alleged perpetrators", esc(", ".join(alert.perpetrators))))
    since = firing_since(page)
    if since:
        rows.append(("Firing since", esc(since)))
    window = (
        f"{event_time(alert.window_start.timestamp())} (exclusive) to "
        f"{event_time(alert.window_end.timestamp())}"
    )
    rows.append(("Event-time window", esc(window)))
    if page.clock is not None:
        rows.append(("Country's clock now", esc(event_time(page.clock))))
    api = esc(api_href(alert.fingerprint))
    rows.append(
        (
            "Fingerprint",
            f'<code>{esc(alert.fingerprint)}</code> · <a href="{api}">JSON</a>',
        )
    )
    body = "".join(f"<dt>{label}</dt><dd>{value}</dd>" for label, value in rows)
    return f'<section class="card"><h2>Facts</h2><dl class="facts">{body}</dl></section>'


def chart_section(page: AlertPage) -> str:
    chart = page.chart
    if chart is None:
        text = (
            "No window values: the aggregator's state for this country is not (yet) in the "
            "console, or the rule is no longer in the rules file."
        )
        return f'<section class="card"><h2>Window value</h2><p class="muted">{text}</p></section>'
    changes = [
        (esc(event_time(p.at)), (str(p.value), "num"))
        for p in chart.points
        if p.value or p is not chart.points[0]
    ]
    values = table([("Window ending", ""), ("Value", "num")], changes)
    return (
        f'<section class="card" id="chart"><h2>{esc(chart.title)}: {esc(chart.region)}</h2>'
        f"{chart_figure(chart)}"
        f"<details><summary>The values as a table</summary>{values}</details></section>"
    )


def source_rows(incident: EvidenceIncident) -> list[list[Cell]]:
    rows: list[list[Cell]] = []
    for source in incident.sources:
        value = "" if source.value is None else str(source.value)
        if source.used:
            value += ' <span class="counted">✓ counted</span>'
        elif not source.reliable:
            value += ' <span class="muted">(unreliable source)</span>'
        rows.append(
            [
                f"<strong>{esc(source.source)}</strong>",
                esc(kind_words(source.kind)),
                esc(source.figure or "no figure"),
                value.strip(),
                esc(minute(source.reported_at.timestamp())),
                f"<code>{esc(source.report_id)}</code>",
            ]
        )
    return rows


def quote_block(report: ReportText) -> str:
    return (
        f"<blockquote>{esc(report.text)}<footer>— {esc(report.source)} "
        f"({esc(kind_words(report.kind))}), issued {esc(minute(report.reported_at))} · "
        f"verification: {esc(report.verification)} · <code>{esc(report.report_id)}</code>"
        "</footer>"
        "</blockquote>"
    )


def incident_block(incident: EvidenceIncident, reports: list[ReportText]) -> str:
    place = incident.place or incident.region
    where = place if place == incident.region else f"{place} ({incident.region})"
    head = f"{occurred_text(incident)} · {where} · {event_words(incident.event_type)}"
    meta = [
        f"adds <strong>{incident.value}</strong>",
        f"verification: {esc(incident.verification)}",
    ]
    if incident.confirmed_by:
        meta.append(f"confirmed by {esc(', '.join(incident.confirmed_by))}")
    if incident.alleged_perpetrators:
        meta.append(f"alleged perpetrators: {esc(', '.join(incident.alleged_perpetrators))}")
    count = len(incident.sources)
    linked = (
        f"{count} reports linked as one incident (<code>{esc(incident.incident_id)}</code>): "
        "their figures are never added up; the counted one is marked."
        if count > 1
        else f"1 report (incident <code>{esc(incident.incident_id)}</code>)."
    )
    sources = table(
        [
            ("Source", ""),
            ("Kind", ""),
            ("Figure as given", ""),
            ("Value taken", ""),
            ("Issued", ""),
            ("Report id", ""),
        ],
        source_rows(incident),
    )
    texts = "".join(quote_block(r) for r in reports if r.text)
    return (
        f'<div class="incident"><h3>{esc(head)}</h3>'
        f'<div class="meta">{"".join(f"<span>{m}</span>" for m in meta)}</div>'
        f'<p class="small muted">{linked}</p>{sources}'
        + (f'<p class="small muted">In their words:</p>{texts}' if texts else "")
        + "</div>"
    )


def evidence_section(page: AlertPage) -> str:
    shown = page.evidence_from.alert
    incidents = shown.evidence
    title = f"Evidence: {len(incidents)} incident{'s' if len(incidents) != 1 else ''}"
    notes = []
    if shown.evidence_omitted:
        notes.append(f"{shown.evidence_omitted} more not listed (evidence limit).")
    if shown.seq != page.latest.alert.seq:
        notes.append(
            f"As of transition #{shown.seq} ({shown.transition.value}): the latest one lists "
            "no incidents."
        )
    body = "".join(incident_block(i, page.reports.get(i.incident_id, [])) for i in incidents)
    if not incidents:
        body = '<p class="muted">No incident in the window.</p>'
    note = "".join(f'<p class="small muted">{esc(n)}</p>' for n in notes)
    return f'<section class="card" id="evidence"><h2>{esc(title)}</h2>{note}{body}</section>'


def history_section(page: AlertPage) -> str:
    rows: list[list[Cell]] = []
    for item in reversed(page.history):
        alert = item.alert
        level = shown_level(alert)
        rows.append(
            [
                (f"#{alert.seq}", "num"),
                esc(alert.transition.value),
                badge(state_severity(alert), level or "resolved"),
                esc(alert.value_text or alert.value),
                esc(period_text(alert)),
                esc(wall_time(item.published)),
            ]
        )
    older = (
        f'<p class="small muted">{page.omitted_history} older transition(s) not kept.</p>'
        if page.omitted_history
        else ""
    )
    headers = [
        ("Seq", "num"),
        ("Transition", ""),
        ("Level", ""),
        ("Value", ""),
        ("When", ""),
        ("Published", ""),
    ]
    return (
        f'<section class="card" id="history"><h2>Transitions</h2>{table(headers, rows)}'
        f"{older}</section>"
    )


def render_alert_page(page: AlertPage, now: float, countries: list[str]) -> str:
    alert = page.latest.alert
    level = (shown_level(alert) or "resolved").upper()
    head, _ = split_summary(alert.summary)
    api = esc(api_href(alert.fingerprint))
    body = (
        headline(page, now)
        + facts(page)
        + chart_section(page)
        + evidence_section(page)
        + history_section(page)
        + f'<footer class="page">Alert <code>{esc(alert.fingerprint)}</code> · '
        f'<a href="{api}">latest transition as JSON</a> · '
        f'<a href="{api}/transitions">all transitions</a> · '
        f'<a href="{api}/series">window values</a></footer>'
    )
    return document(
        f"{level} · {head} · Vigil",
        body,
        where=f"alert · {region_label(alert.group_key)}",
        countries=countries,
    )


def render_missing(fingerprint: str, countries: list[str], caught_up: bool) -> str:
    why = (
        "No transition of this alert is on the alerts topic."
        if caught_up
        else "The console is still reading the alerts topic: try again in a moment."
    )
    body = (
        f'<section class="card"><h1>No such alert</h1><p><code>{esc(fingerprint)}</code></p>'
        f'<p class="muted">{esc(why)}</p><p><a href="/">What is firing now</a></p></section>'
    )
    return document("No such alert · Vigil", body, countries=countries)
