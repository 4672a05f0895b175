"""How the engine's state is kept in Faust tables (changelogged, so a replacing worker
recovers it) and rebuilt from them.

Writes per input are O(1): one incident record per applied report, the partition's clock,
and an alert state only when it changes; a batch of inputs writes each key once. Each
record carries its partition so that a worker rebuilds exactly the engines of the
partitions it owns. Alert transitions pass through an outbox (one record per transition):
written before they are sent, deleted once the broker acknowledged them, and re-sent on
rebuild if a crash came in between (consumers drop repeats by seq).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Protocol

from schemas.alerts import Alert
from schemas.incidents import ClassifiedIncident
from services.aggregator.domain.alerting import AlertState
from services.aggregator.domain.clock import Clock
from services.aggregator.domain.engine import Effects, Engine, EngineConfig, Reports


class Store(Protocol):
    """A key-value table whose writes name the partition they belong to (a Faust table's
    changelog partition; nothing for a dict)."""

    def get(self, key: bytes, /) -> bytes | None: ...
    def items(self) -> Iterable[tuple[bytes, bytes]]: ...
    def values(self) -> Iterable[bytes]: ...
    def __contains__(self, key: object, /) -> bool: ...
    def put(self, partition: int, key: bytes, value: bytes) -> None: ...
    def delete(self, partition: int, key: bytes) -> None: ...


class DictStore(dict[bytes, bytes]):
    """A ``Store`` in memory (tests, tools)."""

    def put(self, partition: int, key: bytes, value: bytes) -> None:
        self[key] = value

    def delete(self, partition: int, key: bytes) -> None:
        self.pop(key, None)


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


def _outbox_key(alert: Alert) -> bytes:
    return f"{alert.fingerprint}#{alert.seq}".encode()


class StateTables:
    """The aggregator's tables: Faust tables in the service, ``DictStore`` in tests."""

    def __init__(
        self, incidents: Store, summaries: Store, alerts: Store, clocks: Store, outbox: Store
    ) -> None:
        self.incidents = incidents
        self.summaries = summaries
        self.alerts = alerts
        self.clocks = clocks
        self.outbox = outbox
        self._json: dict[str, dict[str, str]] = {}  # incident -> report id -> JSON text
        self._outbox_partition: dict[bytes, int] = {}

    @classmethod
    def in_memory(cls) -> StateTables:
        return cls(DictStore(), DictStore(), DictStore(), DictStore(), DictStore())

    def persist(
        self,
        partition: int,
        engine: Engine,
        effects: Effects,
        arrived: Mapping[str, str] = {},
        encoded: Sequence[str] | None = None,
    ) -> None:
        """Write what ``effects`` changed (one input's, or a batch's folded together);
        ``arrived`` maps report ids to the JSON text they came in, ``encoded`` holds the
        transitions' JSON (so neither is serialised again)."""
        # The outbox first: of everything this input writes, it matters most after a crash.
        # One record per transition, so a write never reads or rewrites earlier ones.
        transitions = effects.transitions
        outgoing = encoded if encoded is not None else [a.model_dump_json() for a in transitions]
        for alert, alert_json in zip(transitions, outgoing, strict=True):
            key = _outbox_key(alert)
            self.outbox.put(partition, key, _dump({"p": partition, "a": alert_json}))
            self._outbox_partition[key] = partition
        for incident_id, reports in effects.incidents.items():
            key = incident_id.encode()
            if reports is None:
                self._json.pop(incident_id, None)
                if key in self.incidents:
                    self.incidents.delete(partition, key)
            else:
                cached = self._json.get(incident_id, {})
                texts = {}
                for r in reports.values():
                    rid = r.report.report_id
                    text = arrived.get(rid) or cached.get(rid)
                    if text is not None:
                        texts[rid] = text
                self.incidents.put(partition, key, encode_reports(partition, reports, texts))
                self._json[incident_id] = texts
        for incident_id, reports in effects.summaries.items():
            self.summaries.put(
                partition, incident_id.encode(), encode_reports(partition, reports, arrived)
            )
        for fp, state in effects.alerts.items():
            self.alerts.put(partition, fp.encode(), _dump({"p": partition, "s": state.to_json()}))
        if effects.incidents or effects.clock_moved:
            self.clocks.put(partition, str(partition).encode(), _dump(engine.clock.to_json()))

    def delivered(self, alerts: Iterable[Alert]) -> None:
        """The broker acknowledged ``alerts``: drop them from the outbox."""
        for alert in alerts:
            key = _outbox_key(alert)
            partition = self._outbox_partition.pop(key, None)
            if partition is None and key in self.outbox:
                raw = self.outbox.get(key)
                partition = int(json.loads(raw)["p"]) if raw else 0
            if partition is not None:
                self.outbox.delete(partition, key)

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
                undelivered.append(Alert.model_validate_json(data["a"]))
        undelivered.sort(key=lambda a: (a.fingerprint, a.seq))
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
