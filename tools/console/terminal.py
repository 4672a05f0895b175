"""What ``vigil alerts``, ``vigil tail`` and ``vigil status`` print: plain text for a
terminal, built here from data (no Kafka, no HTTP), one function per command."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from schemas.alerts import Alert, AlertStatus
from services.console.domain.views import region_label, severity_rank
from services.console.render.html import event_time, wall_time
from services.console.replica import Published
from services.notifier.domain.text import period_text, severity, shown_level

UrlOf = Callable[[Alert], str | None]


def text_table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """Columns padded to their widest cell; the last column is never padded."""
    widths = [len(h) for h in headers]
    for row in rows:
        for i, cell in enumerate(row):
            widths[i] = max(widths[i], len(cell))
    lines = []
    for row in [list(headers), *rows]:
        cells = [c.ljust(widths[i]) if i < len(row) - 1 else c for i, c in enumerate(row)]
        lines.append("  ".join(cells).rstrip())
    return "\n".join(lines)


def level_word(alert: Alert) -> str:
    if alert.status is AlertStatus.RESOLVED:
        return "resolved"
    return (shown_level(alert) or "?").upper()


def value_words(alert: Alert) -> str:
    shown = alert.value_text or str(alert.value)
    measure = alert.measure.replace("_", " ")
    return f"{shown} {measure}" + ("" if alert.threshold is None else f" (>= {alert.threshold})")


def order(items: list[Published]) -> list[Published]:
    """Firing first, the most severe level first, then region and rule."""
    return sorted(
        items,
        key=lambda p: (
            p.alert.status is not AlertStatus.FIRING,
            severity_rank(severity(p.alert.level)),
            p.alert.group_key,
            p.alert.rule,
        ),
    )


def alerts_table(items: list[Published], url_of: UrlOf) -> str:
    """``vigil alerts``: one row per alert (its latest transition)."""
    rows = []
    for item in order(items):
        alert = item.alert
        rows.append(
            [
                level_word(alert),
                alert.rule,
                region_label(alert.group_key),
                value_words(alert),
                period_text(alert),
                f"#{alert.seq} {alert.transition.value}",
                wall_time(item.published),
                url_of(alert) or alert.fingerprint,
            ]
        )
    headers = ["LEVEL", "RULE", "REGION", "VALUE", "WHEN", "LAST", "PUBLISHED", "PAGE"]
    return text_table(headers, rows)


def firing_summary(items: list[Published]) -> str:
    """``2 alerts firing: 1 critical, 1 warning``."""
    levels = Counter(p.alert.level for p in items if p.alert.status is AlertStatus.FIRING)
    total = sum(levels.values())
    if not total:
        return "nothing is firing"
    parts = ", ".join(
        f"{n} {lv}"
        for lv, n in sorted(levels.items(), key=lambda kv: severity_rank(severity(kv[0])))
    )
    return f"{total} alert{'s' if total != 1 else ''} firing: {parts}"


def tail_line(item: Published, url_of: UrlOf) -> str:
    """``vigil tail``: one transition on one line."""
    alert = item.alert
    url = url_of(alert)
    return "  ".join(
        [
            wall_time(item.published),
            f"{level_word(alert):<9}",
            f"{alert.transition.value.upper():<11}",
            f"#{alert.seq:<3}",
            alert.summary,
            *([url] if url else [f"({alert.fingerprint})"]),
        ]
    )


# -- vigil status ------------------------------------------------------------------------


@dataclass(frozen=True)
class ServiceState:
    name: str
    state: str
    """ready, not ready, down, or (without a stack file) the consumer group's presence."""
    detail: str


@dataclass(frozen=True)
class LagRow:
    group: str
    topic: str
    partition: int
    committed: int | None
    end: int

    @property
    def lag(self) -> int | None:
        return None if self.committed is None else max(0, self.end - self.committed)


@dataclass
class Status:
    where: str
    services: list[ServiceState] = field(default_factory=list)
    lag: list[LagRow] = field(default_factory=list)
    clocks: dict[str, float] = field(default_factory=dict)
    deadletters: Counter[tuple[str, str]] = field(default_factory=Counter)
    alerts: list[Published] = field(default_factory=list)


def status_text(status: Status, now: float) -> str:
    parts = [status.where, ""]
    parts.append("SERVICES")
    parts.append(
        text_table(
            ["SERVICE", "STATE", "DETAIL"], [[s.name, s.state, s.detail] for s in status.services]
        )
        if status.services
        else "(none found)"
    )
    parts += ["", "CONSUMER LAG (records not yet committed by each service's group)"]
    rows = [
        [
            r.group,
            r.topic,
            str(r.partition),
            "-" if r.committed is None else str(r.committed),
            str(r.end),
            "-" if r.lag is None else str(r.lag),
        ]
        for r in status.lag
    ]
    headers = ["GROUP", "TOPIC", "PARTITION", "COMMITTED", "END", "LAG"]
    parts.append(text_table(headers, rows) if rows else "(no consumer group has input yet)")
    parts += ["", "EVENT-TIME CLOCKS (how far each country's reports have reached)"]
    if status.clocks:
        clock_rows = [[c, event_time(t)] for c, t in sorted(status.clocks.items())]
        parts.append(text_table(["COUNTRY", "CLOCK"], clock_rows))
    else:
        parts.append("(no country has a clock yet)")
    total = sum(status.deadletters.values())
    parts += ["", f"DEAD LETTERS: {total}"]
    if total:
        letter_rows = [[s, e, str(n)] for (s, e), n in status.deadletters.most_common()]
        parts.append(text_table(["SERVICE", "REASON", "COUNT"], letter_rows))
        parts.append("(vigil deadletters list shows them)")
    parts += ["", f"ALERTS: {firing_summary(status.alerts)} (vigil alerts lists them)"]
    return "\n".join(parts)
