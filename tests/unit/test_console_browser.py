"""The console's pages as a person sees them: a real headless Chromium loads the seed
story's Idlib alert page (the chart with its level lines, the White Helmets evidence) on
a desktop and on a phone, and the console page (filter by country, follow a link);
screenshots are written for the record (``tests/browser.py`` says where)."""

from __future__ import annotations

import pytest

from tests.browser import browser, require_chromium
from tests.console_support import IDLIB_CHILDREN, console_state, seed, serve

pytestmark = [pytest.mark.slow]


@pytest.fixture(autouse=True)
def _chromium() -> None:
    require_chromium()


async def test_idlib_alert_page_shows_the_chart_and_the_white_helmets_evidence() -> None:
    state = console_state(seed())
    async with serve(state) as client, browser() as chrome:
        page = await chrome.new_page()
        await page.goto(str(client.make_url(f"/alerts/{IDLIB_CHILDREN}")))
        title = await page.evaluate("document.title")
        assert title.startswith("CRITICAL · At least 13 children killed in Idlib, SYR")
        headline = await page.text("section.headline")
        assert "Firing" in headline and "critical (threshold 10 in 24 h)" in headline

        # the chart: drawn (SVG, wide version on a desktop), level lines labelled
        wide = await page.box("#chart svg.wide")
        assert wide is not None and wide["width"] > 600 and wide["height"] > 200
        assert await page.box("#chart svg.narrow") is None
        labels = await page.evaluate(
            "[...document.querySelectorAll('#chart svg.wide text')].map(t => t.textContent)"
        )
        assert "critical 10" in labels and "warning 5" in labels
        steps = await page.evaluate(
            "document.querySelectorAll('#chart svg.wide path, #chart svg.wide polyline').length"
        )
        assert steps >= 1
        assert await page.evaluate("document.querySelectorAll('script').length") == 0

        # the evidence: White Helmets as an NGO with its figure, counted; its own words
        evidence = await page.text("#evidence")
        assert "White Helmets" in evidence and "NGO" in evidence
        assert "at least 12" in evidence and "counted" in evidence
        assert "The White Helmets raised the toll" in evidence
        assert "SOHR" in evidence and "monitor" in evidence
        history = await page.text("#history")
        assert "fired" in history and "updated" in history
        shot = await page.screenshot("alert-idlib-desktop.png")
        assert shot.stat().st_size > 20_000
        print(f"screenshot: {shot}")

        # on a phone: the narrow chart, no sideways scrolling
        await page.goto(
            str(client.make_url(f"/alerts/{IDLIB_CHILDREN}")), width=390, height=844, mobile=True
        )
        narrow = await page.box("#chart svg.narrow")
        assert narrow is not None and narrow["width"] <= 390
        assert await page.box("#chart svg.wide") is None
        overflow = await page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0, f"the page scrolls sideways by {overflow}px on a phone"
        shot = await page.screenshot("alert-idlib-phone.png")
        print(f"screenshot: {shot}")


async def test_console_page_filters_by_country_and_links_to_the_alert() -> None:
    state = console_state(seed())
    async with serve(state) as client, browser() as chrome:
        page = await chrome.new_page()
        await page.goto(str(client.make_url("/")))
        firing = await page.text("#firing")
        assert "Firing now: 2" in firing
        assert "At least 13 children killed in Idlib" in firing
        windows = await page.text("#windows")
        assert "SYR / Idlib" in windows and "13" in windows
        assert "Dead letters" in await page.text("#deadletters")
        shot = await page.screenshot("console-desktop.png")
        print(f"screenshot: {shot}")

        # the country filter, as a person uses it: pick, press Show
        loaded = chrome.expect("Page.loadEventFired", page.session)
        await page.evaluate(
            "document.getElementById('country').value = 'SYR';"
            "document.querySelector('header form button').click(); true"
        )
        await loaded
        assert (await page.evaluate("location.search")) == "?country=SYR"
        assert "Firing now in SYR: 2" in await page.text("#firing")

        # follow the alert's link to its page
        loaded = chrome.expect("Page.loadEventFired", page.session)
        await page.evaluate(
            "[...document.querySelectorAll('#firing a')]"
            ".find(a => a.textContent.includes('children')).click(); true"
        )
        await loaded
        assert (await page.evaluate("location.pathname")) == f"/alerts/{IDLIB_CHILDREN}"
        assert await page.box("#chart svg.wide") is not None

        await page.goto(str(client.make_url("/")), width=390, height=844, mobile=True)
        overflow = await page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0, f"the console scrolls sideways by {overflow}px on a phone"
        await page.screenshot("console-phone.png")


async def test_a_protected_console_asks_the_browser_for_credentials() -> None:
    state = console_state(seed(), tokens="reader-token")
    async with serve(state) as client, browser() as chrome:
        page = await chrome.new_page()
        await page.goto(str(client.make_url(f"/alerts/{IDLIB_CHILDREN}")))
        body = await page.text("body")
        assert "credentials needed" in body
        assert "White Helmets" not in body
