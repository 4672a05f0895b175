"""The console's pure parts: the window series against brute force, what the alert page
and the console show for the seed story, and the pages' HTML (escaped, nothing fetched)."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from schemas.reports import IncidentReport
from services.console.domain import views
from services.console.domain.series import DAY, Point, chart_span, fold, peak, window_series
from services.console.render.alert_page import render_alert_page
from services.console.render.console_page import render_console
from tests.console_support import IDLIB_CHILDREN, NOW, load_feed, seed

WIDTH = 3600.0


def brute(positions: list[float], t: float, width: float) -> int:
    return sum(1 for p in positions if t - width < p <= t)


@settings(max_examples=150, deadline=None)
@given(st.lists(st.integers(min_value=0, max_value=40), max_size=25))
def test_window_series_is_exact_at_every_moment(raw: list[int]) -> None:
    positions = [r * 900.0 for r in raw]  # quarter hours, so entries and exits coincide
    start, end = 0.0, 48 * 900.0
    points = window_series(positions, lambda t: brute(positions, t, WIDTH), WIDTH, start, end)
    assert points[0].at == start
    assert [p.at for p in points] == sorted({p.at for p in points})
    for moment in range(0, int(end), 300):  # every 5 minutes: the step holding then
        holding = [p for p in points if p.at <= moment][-1]
        assert holding.value == brute(positions, float(moment), WIDTH), moment


def test_folding_never_hides_a_peak() -> None:
    points = [Point(float(i), 1) for i in range(1000)]
    points[537] = Point(537.0, 99)
    folded = fold(points, 0.0, 1000.0, 50)
    assert len(folded) <= 50
    best = peak(folded)
    assert best is not None and best.value == 99


def test_chart_span_shows_the_clock_s_day_whole() -> None:
    clock = 20 * DAY + 17 * 3600
    assert chart_span(clock, 7) == (14 * DAY, 21 * DAY)


def test_alert_page_of_the_idlib_alert() -> None:
    seeded = seed()
    history = seeded.index.get(IDLIB_CHILDREN)
    assert history is not None
    page = views.alert_page(history, seeded.rules, seeded.replica, 7)
    assert [p.alert.transition.value for p in page.history] == ["fired", "updated"]
    assert page.rule is not None and page.rule.name == "children_killed_24h"
    chart = page.chart
    assert chart is not None
    assert chart.title.startswith("Children killed in 24 h")
    assert chart.region == "SYR / Idlib"
    assert [(lv.name, lv.threshold) for lv in chart.levels] == [("warning", 5), ("critical", 10)]
    assert chart.peak is not None and chart.peak.value == 13
    assert chart.start < chart.clock <= chart.end and chart.end - chart.start == 7 * DAY
    assert [(m.seq, m.value) for m in chart.marks] == [(1, 10), (2, 13)]
    sources = {s.source: s for i in page.evidence_from.alert.evidence for s in i.sources}
    assert sources["White Helmets"].used and sources["White Helmets"].value == 12
    texts = [r.text or "" for rs in page.reports.values() for r in rs]
    assert any("White Helmets raised the toll" in t for t in texts)


def test_console_view_by_level_region_and_country() -> None:
    seeded = seed()
    view = views.console(seeded.index, seeded.replica, seeded.rules, seeded.deadletters, NOW)
    assert [g.severity for g in view.firing] == ["critical", "warning"]
    assert view.countries == ["SYR"]
    (syr,) = view.windows
    idlib = dict(syr.rows)["SYR/Idlib"]
    assert idlib["children_killed_24h"].value == 13
    assert idlib["children_killed_24h"].level == "critical"
    assert idlib["killed_24h"].level == "warning"
    other = views.console(
        seeded.index, seeded.replica, seeded.rules, seeded.deadletters, NOW, "IRQ"
    )
    assert other.firing == [] and other.windows == [] and other.selected == "IRQ"


def _with_second_country() -> list[IncidentReport]:
    feed = load_feed()
    first = feed[0]
    iraq = first.model_copy(
        update={
            "report_id": "iq-1",
            "incident_id": "IRQ-1",
            "location": first.location.model_copy(
                update={"country": "IRQ", "admin1": "Nineveh", "place": "Mosul"}
            ),
        }
    )
    return [*feed, iraq]


def test_country_filter_keeps_one_country() -> None:
    seeded = seed(_with_second_country())
    both = views.console(seeded.index, seeded.replica, seeded.rules, seeded.deadletters, NOW)
    assert both.countries == ["IRQ", "SYR"]
    iraq = views.console(seeded.index, seeded.replica, seeded.rules, seeded.deadletters, NOW, "IRQ")
    regions = {p.alert.group_key for g in iraq.firing for p in g.alerts}
    assert regions == {"IRQ/Nineveh"}
    assert [w.country for w in iraq.windows] == ["IRQ"]


def test_pages_escape_report_text_and_fetch_nothing() -> None:
    feed = load_feed()
    at = next(i for i, r in enumerate(feed) if r.report_id == "wh-20241202-idlib-2")
    feed[at] = feed[at].model_copy(update={"text": "<script>alert('x')</script> & <b>bold</b>"})
    seeded = seed(feed)
    history = seeded.index.get(IDLIB_CHILDREN)
    assert history is not None
    page = views.alert_page(history, seeded.rules, seeded.replica, 7)
    html = render_alert_page(page, NOW, ["SYR"])
    view = views.console(seeded.index, seeded.replica, seeded.rules, seeded.deadletters, NOW)
    console = render_console(view, NOW, True, 10, 30)
    for text in (html, console):
        assert "<script" not in text
        # nothing loaded from elsewhere: no src, no stylesheet link, no absolute URL
        assert not re.search(r"\ssrc=", text)
        assert not re.search(r"<link[^>]+stylesheet", text)
        assert not re.search(r"(href|src)=\"(https?:)?//", text)
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; &amp; &lt;b&gt;" in html
    assert '<svg class="wide"' in html and '<svg class="narrow"' in html
    assert 'name="viewport"' in html
