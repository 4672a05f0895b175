"""How the engine's state is kept in Faust tables (changelogged, so a replacing worker
recovers it) and rebuilt from them.

Writes per input are O(1): one incident record per applied report, the partition's clock,
and an alert state only when it changes. Each record carries its partition so that a
worker rebuilds exactly the engines of the partitions it owns. Alert transitions pass
through an outbox: written before they are sent, deleted once the broker acknowledged
them, and re-sent on rebuild if a crash came in between (consumers drop repeats by seq).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, MutableMapping
from typing import Any

from schemas.alerts import Alert
from schemas.incidents import ClassifiedIncident
from services.aggregator.domain.alerting import AlertState
from services.aggregator.domain.clock import Clock
from services.aggregator.domain.engine import Effects, Engine, EngineConfig, Reports

Table = MutableMapping[bytes, bytes]


def _dump(data: Any) -> bytes:
    return json.dumps(data, separators=(",", ":")).encode("utf-8")


def encode_reports(
    partition: int, reports: Reports, known: Mapping[str, str] | None = None
) -> bytes:
    """``{"p": partition, "r": {source: <ClassifiedIncident JSON>}}``. The reports are
    embedded as JSON objects; ``known`` (report_id -> JSON text, as it arrived) spares
    serialising again what was just decoded."""
    known = known or {}
    body = ",".join(
        f"{json.dumps(source)}:{known.get(r.report.report_id) or r.model_dump_json()}"
        for source, r in reports.items()
    )
    return f'{{"p":{partition},"r":{{{body}}}}}'.encode()


def decode_reports(raw: bytes) -> tuple[int, Reports]:
    data = json.loads(raw)
    return int(data["p"]), {k: ClassifiedIncident.model_validate(v) for k, v in data["r"].items()}


class StateTables:
    """The aggregator's tables, as plain mutable mappings of bytes (Faust tables in the
    service, dicts in tests)."""

    def __init__(
        self, incidents: Table, summaries: Table, alerts: Table, clocks: Table, outbox: Table
    ) -> None:
        self.incidents = incidents
        self.summaries = summaries
        self.alerts = alerts
        self.clocks = clocks
        self.outbox = outbox
        self._json: dict[str, dict[str, str]] = {}  # incident -> report id -> JSON text

    def persist(
        self, partition: int, engine: Engine, effects: Effects, arrived: Mapping[str, str] = {}
    ) -> None:
        """Write what ``effects`` changed; ``arrived`` maps report ids to the JSON text they
        came in (so they are not serialised again)."""
        # The outbox first: of everything this input writes, it matters most after a crash.
        for alert in effects.transitions:
            key = alert.fingerprint.encode()
            raw = self.outbox.get(key)
            queued = json.loads(raw)["a"] if raw else []
            self.outbox[key] = _dump({"p": partition, "a": [*queued, alert.model_dump_json()]})
        for incident_id, reports in effects.incidents.items():
            key = incident_id.encode()
            if reports is None:
                self._json.pop(incident_id, None)
                if key in self.incidents:
                    del self.incidents[key]
            else:
                known = {**self._json.get(incident_id, {}), **arrived}
                self.incidents[key] = encode_reports(partition, reports, known)
                ids = {r.report.report_id for r in reports.values()}
                self._json[incident_id] = {i: t for i, t in known.items() if i in ids}
        for incident_id, reports in effects.summaries.items():
            self.summaries[incident_id.encode()] = encode_reports(partition, reports, arrived)
        for fp, state in effects.alerts.items():
            self.alerts[fp.encode()] = _dump({"p": partition, "s": state.to_json()})
        if effects.incidents or effects.clock_moved:
            self.clocks[str(partition).encode()] = _dump(engine.clock.to_json())

    def delivered(self, alerts: Iterable[Alert]) -> None:
        """The broker acknowledged ``alerts``: drop them (and anything older) from the
        outbox; later transitions of the same alert stay until they are acknowledged."""
        done: dict[str, int] = {}
        for alert in alerts:
            done[alert.fingerprint] = max(done.get(alert.fingerprint, 0), alert.seq)
        for fp, seq in done.items():
            key = fp.encode()
            raw = self.outbox.get(key)
            if raw is None:
                continue
            data = json.loads(raw)
            left = [a for a in data["a"] if json.loads(a)["seq"] > seq]
            if left:
                self.outbox[key] = _dump({"p": data["p"], "a": left})
            else:
                del self.outbox[key]

    def rebuild(self, partition: int, config: EngineConfig) -> tuple[Engine, list[Alert]]:
        """An engine for ``partition`` from the tables, and the alerts still undelivered."""
        engine = Engine(config)
        incidents = []
        for key, raw in self.incidents.items():
            p, reports = decode_reports(raw)
            if p == partition:
                incidents.append((key.decode(), reports))
        summaries = []
        for key, raw in self.summaries.items():
            p, reports = decode_reports(raw)
            if p == partition:
                summaries.append((key.decode(), reports))
        states = []
        for raw in self.alerts.values():
            data = json.loads(raw)
            if data["p"] == partition:
                states.append(AlertState.from_json(data["s"]))
        clock_raw = self.clocks.get(str(partition).encode())
        clock = Clock.from_json(json.loads(clock_raw)) if clock_raw else None
        engine.restore(incidents, states, clock, summaries)
        undelivered = []
        for raw in self.outbox.values():
            data = json.loads(raw)
            if data["p"] == partition:
                undelivered += [Alert.model_validate_json(a) for a in data["a"]]
        return engine, undelivered

    def firing(self) -> list[dict[str, Any]]:
        """Alert states currently above level 0, for the HTTP view."""
        states = (json.loads(raw)["s"] for raw in self.alerts.values())
        return sorted((s for s in states if s["level"]), key=lambda s: (s["rule"], s["group_key"]))

    def summary_reports(self, country: str | None = None) -> list[dict[str, Any]]:
        out = []
        for raw in self.summaries.values():
            _, reports = decode_reports(raw)
            for incident in reports.values():
                if country is None or incident.region.country == country:
                    out.append(incident.model_dump(mode="json"))
        return out
