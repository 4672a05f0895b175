"""The console's HTTP application: pages, the JSON API, and the operations endpoints.

Pages: ``/`` (the console; ``?country=SYR``) and ``/alerts/{fingerprint}`` (an alert's
page: the URL the notifier links to). API: ``/v1/alerts`` (``?status=firing|resolved|
all``, ``?country=``, ``?rule=``), ``/v1/alerts/{fingerprint}`` (its latest transition),
``.../transitions``, ``.../series`` (``?days=``), ``/v1/overview``; ``/openapi.json``
describes them. ``/metrics``, ``/healthz`` and ``/readyz`` need no credentials; every
other route does when ``VIGIL_CONSOLE_TOKENS`` or ``VIGIL_CONSOLE_USERS`` is set.
"""

from __future__ import annotations

import json
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from pydantic import BaseModel

from schemas.alerts import AlertStatus
from services.aggregator.domain.rules import RuleSet
from services.common.auth import AuthResult, check_basic, check_bearer
from services.common.health import Check
from services.common.operations import Operations
from services.console import api
from services.console.domain import views
from services.console.domain.views import country_of, severity_rank
from services.console.metrics import ConsoleMetrics
from services.console.openapi import render as openapi_text
from services.console.render.alert_page import render_alert_page, render_missing
from services.console.render.console_page import render_console
from services.console.replica import (
    AggregatorReplica,
    AlertHistory,
    AlertIndex,
    DeadLetterTally,
)
from services.console.settings import ConsoleSettings
from services.notifier.domain.text import severity

OPEN_PATHS = frozenset({"/metrics", "/healthz", "/readyz"})
HTML = "text/html"


@dataclass
class ConsoleState:
    """What the handlers read: the replica's parts and whether it caught up."""

    settings: ConsoleSettings
    rules: RuleSet
    index: AlertIndex
    replica: AggregatorReplica
    deadletters: DeadLetterTally
    caught_up: Callable[[], bool] = lambda: True
    records: Callable[[], int] = lambda: 0
    wall: Callable[[], float] = time.time
    metrics: ConsoleMetrics | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def refresh(self) -> None:
        seconds = self.replica.refresh()
        if seconds is not None and self.metrics is not None:
            self.metrics.rebuild.observe(seconds)

    def countries(self) -> list[str]:
        known = {country_of(p.alert) for p in self.index.latest()}
        return sorted(known | set(self.replica.engines()) | set(self.replica.clocks()))


STATE = web.AppKey("state", ConsoleState)


def model_response(body: BaseModel, status: int = 200) -> web.Response:
    return web.Response(text=body.model_dump_json(), status=status, content_type="application/json")


def error(status: int, code: str, message: str, **headers: str) -> web.Response:
    body = api.ErrorBody(error=code, message=message)
    return web.Response(
        text=body.model_dump_json(), status=status, content_type="application/json",
        headers=headers,
    )  # fmt: skip


def _state(request: web.Request) -> ConsoleState:
    return request.app[STATE]


def _country(request: web.Request) -> str | None:
    value = request.query.get("country", "").strip().upper()
    return value or None


# -- pages -------------------------------------------------------------------------------


async def console_page(request: web.Request) -> web.Response:
    state = _state(request)
    state.refresh()
    now = state.wall()
    view = views.console(
        state.index, state.replica, state.rules, state.deadletters, now, _country(request)
    )
    text = render_console(
        view, now, state.caught_up(), state.records(), state.settings.refresh_seconds
    )
    return web.Response(text=text, content_type=HTML)


async def alert_page(request: web.Request) -> web.Response:
    state = _state(request)
    fingerprint = request.match_info["fingerprint"]
    history = state.index.get(fingerprint)
    if history is None:
        text = render_missing(fingerprint, state.countries(), state.caught_up())
        return web.Response(text=text, status=404, content_type=HTML)
    state.refresh()
    page = views.alert_page(history, state.rules, state.replica, state.settings.chart_days)
    return web.Response(
        text=render_alert_page(page, state.wall(), state.countries()), content_type=HTML
    )


# -- the API -------------------------------------------------------------------------------


async def list_alerts(request: web.Request) -> web.Response:
    state = _state(request)
    status = request.query.get("status", "firing")
    if status not in api.STATUSES:
        return error(400, "bad_status", f"status is one of {', '.join(api.STATUSES)}")
    country, rule = _country(request), request.query.get("rule")
    chosen = [
        p.alert
        for p in state.index.latest()
        if (status == "all" or p.alert.status is AlertStatus(status))
        and (country is None or country_of(p.alert) == country)
        and (rule is None or p.alert.rule == rule)
    ]
    chosen.sort(
        key=lambda a: (
            a.status is not AlertStatus.FIRING,
            severity_rank(severity(a.level)),
            a.group_key,
            a.rule,
        )
    )
    body = api.AlertList(
        alerts=chosen,
        count=len(chosen),
        as_of=api.iso(state.wall()),
        complete=state.caught_up(),
    )
    return model_response(body)


def _history(request: web.Request) -> tuple[ConsoleState, AlertHistory | None, str]:
    state = _state(request)
    fingerprint = request.match_info["fingerprint"]
    return state, state.index.get(fingerprint), fingerprint


def _unknown(fingerprint: str, state: ConsoleState) -> web.Response:
    more = "" if state.caught_up() else " (the console is still reading the topics)"
    return error(404, "not_found", f"no alert {fingerprint!r}{more}")


async def get_alert(request: web.Request) -> web.Response:
    state, history, fingerprint = _history(request)
    if history is None:
        return _unknown(fingerprint, state)
    return web.Response(
        text=history.latest.alert.model_dump_json(), content_type="application/json"
    )


async def get_transitions(request: web.Request) -> web.Response:
    state, history, fingerprint = _history(request)
    if history is None:
        return _unknown(fingerprint, state)
    alerts = [p.alert for p in history.transitions]
    body = api.TransitionList(
        fingerprint=fingerprint,
        transitions=alerts,
        omitted=max(0, alerts[-1].seq - len(alerts)),
    )
    return model_response(body)


async def get_series(request: web.Request) -> web.Response:
    state, history, fingerprint = _history(request)
    if history is None:
        return _unknown(fingerprint, state)
    text = request.query.get("days", str(state.settings.chart_days))
    if not text.isdigit() or not 1 <= int(text) <= 400:
        return error(400, "bad_days", "days is a whole number from 1 to 400")
    state.refresh()
    page = views.alert_page(history, state.rules, state.replica, int(text))
    chart, rule = page.chart, page.rule
    if chart is None or rule is None:
        return error(404, "no_state", "no window values for this alert's country or rule")
    body = api.WindowSeries(
        fingerprint=fingerprint,
        rule=rule.name,
        group_key=history.latest.alert.group_key,
        measure=rule.measure,
        window_seconds=rule.window_seconds,
        start=api.iso(chart.start),
        end=api.iso(chart.end),
        clock=api.iso(chart.clock),
        levels=[
            api.LevelInfo(name=lv.name, threshold=lv.threshold, resolve_below=lv.resolve_below)
            for lv in chart.levels
        ],
        points=[api.SeriesPoint(at=api.iso(p.at), value=p.value) for p in chart.points],
    )
    return model_response(body)


async def overview(request: web.Request) -> web.Response:
    state = _state(request)
    state.refresh()
    now = state.wall()
    view = views.console(
        state.index, state.replica, state.rules, state.deadletters, now, _country(request)
    )
    firing: dict[str, int] = {}
    for group in view.firing:
        for item in group.alerts:
            level = item.alert.level or "?"
            firing[level] = firing.get(level, 0) + 1
    countries = [
        api.CountryState(
            country=w.country,
            clock=None if w.clock is None else api.iso(w.clock),
            windows=[
                api.WindowValue(
                    rule=rule,
                    group_key=key,
                    value=c.value,
                    level=c.level,
                    fingerprint=c.fingerprint,
                )
                for key, cells in w.rows
                for rule, c in cells.items()
            ],
        )
        for w in view.windows
    ]
    body = api.Overview(
        as_of=api.iso(now),
        complete=state.caught_up(),
        country=view.selected,
        firing=firing,
        countries=countries,
        deadletters_total=state.deadletters.total,
        deadletters_last_24h=view.deadletters_day,
        deadletters=[
            api.DeadLetterCount(service=s, error_type=e, count=n)
            for (s, e), n in state.deadletters.by_kind.most_common()
        ],
    )
    return model_response(body)


async def openapi(_: web.Request) -> web.Response:
    return web.Response(text=openapi_text(), content_type="application/json")


# -- middleware ----------------------------------------------------------------------------

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def authorised(settings: ConsoleSettings, header: str | None) -> bool:
    if not settings.protected:
        return True
    if settings.tokens and check_bearer(header, settings.tokens) is AuthResult.OK:
        return True
    return bool(settings.users) and check_basic(header, settings.users) is AuthResult.OK


@web.middleware
async def guard(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Credentials (when configured), and every answer counted by route and status."""
    state = _state(request)
    started = time.perf_counter()
    resource = request.match_info.route.resource
    route = resource.canonical if resource is not None else "unmatched"
    if request.path in OPEN_PATHS or authorised(
        state.settings, request.headers.get("Authorization")
    ):
        try:
            response = await handler(request)
        except web.HTTPException as exc:  # aiohttp's own answers (404 of no route, 405)
            if state.metrics is not None:
                state.metrics.request_answered(route, exc.status, time.perf_counter() - started)
            raise
    else:
        schemes = []
        if state.settings.users:
            schemes.append('Basic realm="Vigil console", charset="UTF-8"')
        if state.settings.tokens:
            schemes.append('Bearer realm="Vigil console"')
        response = error(
            401, "unauthenticated", "credentials needed (see VIGIL_CONSOLE_TOKENS / _USERS)",
            **{"WWW-Authenticate": ", ".join(schemes)},
        )  # fmt: skip
    if state.metrics is not None:
        state.metrics.request_answered(route, response.status, time.perf_counter() - started)
    return response


def build_app(state: ConsoleState, operations: Operations | None = None) -> web.Application:
    app = web.Application(middlewares=[guard])
    app[STATE] = state
    app.router.add_get("/", console_page)
    app.router.add_get("/alerts/{fingerprint}", alert_page)
    app.router.add_get("/v1/alerts", list_alerts)
    app.router.add_get("/v1/alerts/{fingerprint}", get_alert)
    app.router.add_get("/v1/alerts/{fingerprint}/transitions", get_transitions)
    app.router.add_get("/v1/alerts/{fingerprint}/series", get_series)
    app.router.add_get("/v1/overview", overview)
    app.router.add_get("/openapi.json", openapi)
    if state.metrics is not None:
        registry = state.metrics.registry

        async def metrics(_: web.Request) -> web.Response:
            return web.Response(
                body=generate_latest(registry), headers={"Content-Type": CONTENT_TYPE_LATEST}
            )

        app.router.add_get("/metrics", metrics)
    if operations is not None:
        operations.health.add(
            "replica",
            lambda: (
                Check(True, "read every topic to its end")
                if state.caught_up()
                else Check(False, "reading the topics from the beginning")
            ),
        )
        operations.routes(app)
    return app


def pretty(data: Any) -> str:
    return json.dumps(data, indent=2)
