"""The alert page's chart as inline SVG, drawn here (no script, no library, no network).

A step line of the rule's window value over the chart's span of event time (each point
holds until the next), dashed lines at the rule's levels, the event-time clock, and the
alert's transitions as dots. Two drawings of the same data: a wide one, and a narrow
one with fewer labels and larger type, which the page's CSS shows on a phone.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from services.console.domain.series import DAY
from services.console.domain.views import Chart
from services.console.render.html import esc, event_time, moment

COLOURS = {
    "critical": "#b42318",
    "error": "#c4320a",
    "warning": "#b54708",
    "info": "#175cd3",
    "ok": "#027a48",
}
LINE = "#1d2939"
FILL = "#d1e0ff"
GRID = "#e4e7ec"
MUTED = "#475467"


@dataclass(frozen=True)
class Frame:
    width: int
    height: int
    left: int
    right: int
    top: int
    bottom: int
    font: int
    min_label_px: int
    """Least room a day label needs."""

    @property
    def plot_width(self) -> int:
        return self.width - self.left - self.right

    @property
    def plot_height(self) -> int:
        return self.height - self.top - self.bottom


WIDE = Frame(760, 290, 44, 104, 22, 34, 12, 46)
NARROW = Frame(360, 250, 32, 84, 22, 32, 12, 44)


def nice_step(span: float, ticks: int = 4) -> int:
    """A round step (1, 2, 5 x 10^k, at least 1) giving about ``ticks`` ticks."""
    raw = max(span / ticks, 1.0)
    power = 10 ** math.floor(math.log10(raw))
    for factor in (1, 2, 5, 10):
        if factor * power >= raw:
            return int(factor * power)
    return int(10 * power)


def colour(severity: str | None) -> str:
    return COLOURS.get(severity or "", MUTED)


def _fmt(x: float) -> str:
    return f"{x:.1f}".rstrip("0").rstrip(".")


def draw(chart: Chart, frame: Frame, css_class: str, ident: str) -> str:
    start, end = chart.start, chart.end
    highest = max([p.value for p in chart.points] + [lvl.threshold for lvl in chart.levels] + [1])
    step = nice_step(highest * 1.12)
    y_max = step * math.ceil(highest * 1.12 / step)

    def x(t: float) -> float:
        return frame.left + (min(max(t, start), end) - start) / (end - start) * frame.plot_width

    def y(v: float) -> float:
        return frame.top + frame.plot_height - v / y_max * frame.plot_height

    font = f'font-size="{frame.font}" font-family="system-ui, DejaVu Sans, sans-serif"'
    out = [
        f'<svg class="{css_class}" viewBox="0 0 {frame.width} {frame.height}" role="img" '
        f'aria-labelledby="{ident}-t {ident}-d" xmlns="http://www.w3.org/2000/svg">',
        f'<title id="{ident}-t">{esc(chart.title)}, {esc(chart.region)}</title>',
        f'<desc id="{ident}-d">{esc(describe(chart))}</desc>',
        f'<rect x="{frame.left}" y="{frame.top}" width="{frame.plot_width}" '
        f'height="{frame.plot_height}" fill="#fff" stroke="{GRID}"/>',
    ]
    # horizontal grid and value labels
    for value in range(0, y_max + 1, step):
        yy = _fmt(y(value))
        out.append(
            f'<line x1="{frame.left}" x2="{frame.left + frame.plot_width}" y1="{yy}" '
            f'y2="{yy}" stroke="{GRID}"/>'
            f'<text x="{frame.left - 6}" y="{yy}" dy="0.35em" text-anchor="end" '
            f'fill="{MUTED}" {font}>{value}</text>'
        )
    # days: a line at each midnight, the day's name centred in its span
    day_px = DAY / (end - start) * frame.plot_width
    every = max(1, math.ceil(frame.min_label_px / day_px))
    first_day = math.ceil(start / DAY) * DAY
    index = 0
    day = first_day
    while day < end:
        xx = _fmt(x(day))
        out.append(
            f'<line x1="{xx}" x2="{xx}" y1="{frame.top}" '
            f'y2="{frame.top + frame.plot_height}" stroke="{GRID}"/>'
        )
        if index % every == 0 and day + DAY <= end + 1:
            label = f"{moment(day).day} {moment(day):%b}"
            centre = _fmt(x(day + DAY / 2) if every == 1 else x(day))
            out.append(
                f'<text x="{centre}" y="{frame.top + frame.plot_height + frame.font + 6}" '
                f'text-anchor="middle" fill="{MUTED}" {font}>{label}</text>'
            )
        day += DAY
        index += 1
    # the value: a step line and the area under it
    path = []
    for i, point in enumerate(chart.points):
        xx, yy = _fmt(x(point.at)), _fmt(y(point.value))
        path.append(f"M{xx},{yy}" if i == 0 else f"H{xx}V{yy}")
    path.append(f"H{_fmt(x(end))}")
    line = "".join(path)
    base = _fmt(y(0))
    out.append(
        f'<path class="area" d="{line}V{base}H{_fmt(x(start))}Z" fill="{FILL}" '
        f'fill-opacity="0.55" stroke="none"/>'
        f'<path class="value" d="{line}" fill="none" stroke="{LINE}" stroke-width="2.2" '
        f'stroke-linejoin="round"/>'
    )
    # the levels
    for level in chart.levels:
        yy = _fmt(y(level.threshold))
        tint = colour(level.severity)
        out.append(
            f'<line class="level level-{esc(level.name)}" x1="{frame.left}" '
            f'x2="{frame.left + frame.plot_width}" y1="{yy}" y2="{yy}" stroke="{tint}" '
            f'stroke-width="1.6" stroke-dasharray="6 4"/>'
            f'<text x="{frame.left + frame.plot_width + 6}" y="{yy}" dy="0.35em" '
            f'fill="{tint}" {font} font-weight="600">{esc(level.name)} {level.threshold}</text>'
        )
    # the event-time clock
    if start <= chart.clock <= end:
        xx = _fmt(x(chart.clock))
        out.append(
            f'<line class="clock" x1="{xx}" x2="{xx}" y1="{frame.top - 4}" '
            f'y2="{frame.top + frame.plot_height}" stroke="{MUTED}" stroke-dasharray="2 3"/>'
            f'<text x="{xx}" y="{frame.top - 8}" text-anchor="middle" fill="{MUTED}" '
            f"{font}>clock</text>"
        )
    # the transitions
    for mark in chart.marks:
        out.append(
            f'<circle class="mark" cx="{_fmt(x(mark.at))}" cy="{_fmt(y(mark.value))}" r="5" '
            f'fill="{colour(mark.severity)}" stroke="#fff" stroke-width="1.5">'
            f"<title>#{mark.seq} {esc(mark.transition)}"
            f"{' (' + esc(mark.level) + ')' if mark.level else ''}: {mark.value}, window "
            f"ending {esc(event_time(mark.at))}</title></circle>"
        )
    out.append("</svg>")
    return "".join(out)


def describe(chart: Chart) -> str:
    """The chart in one sentence (its SVG description, read by screen readers)."""
    peak = chart.peak
    levels = ", ".join(f"{lvl.name} at {lvl.threshold}" for lvl in chart.levels)
    top = (
        f"highest {peak.value} in the window ending {event_time(peak.at)}"
        if peak is not None and peak.value > 0
        else "no value above 0"
    )
    return (
        f"{chart.title} in {chart.region}, windows ending {event_time(chart.start)} to "
        f"{event_time(chart.end)}: {top}; levels: {levels or 'none'}."
    )


def chart_figure(chart: Chart) -> str:
    """Both drawings, the legend and a caption."""
    legend = "".join(
        f'<span><i style="border-color:{colour(lvl.severity)}"></i>{esc(lvl.name)} at '
        f"{lvl.threshold}"
        + (f" (resolves below {lvl.resolve_below})" if lvl.resolve_below != lvl.threshold else "")
        + "</span>"
        for lvl in chart.levels
    )
    return (
        '<figure class="chart" style="margin:0">'
        f"{draw(chart, WIDE, 'wide', 'cw')}{draw(chart, NARROW, 'narrow', 'cn')}"
        f'<div class="legend">{legend}<span>dots: this alert\'s transitions</span></div>'
        f'<figcaption class="muted small">Each point: the total of the window ending then '
        f"(event time, UTC). A day-precision incident enters at 00:00 UTC of its day and "
        f"stays for the window's length. Event-time clock: {esc(event_time(chart.clock))}."
        "</figcaption></figure>"
    )
