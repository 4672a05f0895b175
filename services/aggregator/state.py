"""How the engines' state is kept in key-value tables (Faust tables in the service,
changelogged, so a replacing worker recovers it; dicts in tests) and rebuilt from them.

Writes per input are O(1): one incident record and one id entry per applied report, its
country's clock, and an alert state only when it changes; a batch of inputs writes each
key once. Keys are scoped by country (``SYR/i-17``: ids are unique within a country);
each record carries its partition so that a worker rebuilds exactly the countries of
the partitions it owns. Alert transitions pass through an outbox (one record per
transition): written before they are sent, deleted once the broker acknowledged them,
and re-sent on rebuild if a crash came in between (consumers drop repeats by seq).

Tables: ``incidents`` and ``summaries`` (country/incident_id -> its reports),
``ids`` (country/report_id -> digest, position, origin), ``alerts`` (fingerprint ->
state), ``clocks`` (country -> clock), ``outbox`` (fingerprint#seq -> alert), ``links``
(country/a|b -> the analyst's decision that stands on the pair; automatic links are not
stored: the linker finds them again from the incidents).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from sys import intern
from typing import Any, Protocol

from pydantic import BaseModel

from schemas.alerts import Alert
from schemas.incidents import ClassifiedIncident
from services.aggregator.compact import Interner
from services.aggregator.domain.alerting import AlertState
from services.aggregator.domain.clock import Clock
from services.aggregator.domain.countries import Countries
from services.aggregator.domain.engine import Effects, EngineConfig, Key, Reports
from services.aggregator.domain.ids import IdEntry
from services.aggregator.domain.linking.groups import Decision, Pair, pair

TABLES = ("incidents", "summaries", "alerts", "clocks", "outbox", "ids", "links")


def table_name(name: str) -> str:
    """The Faust table behind state table ``name``."""
    return f"aggregator-{name}"


def changelog_topic(app_id_prefix: str, name: str) -> str:
    """The changelog topic of state table ``name`` (Faust names it ``<app id>-<table>-
    changelog``, the app id being ``<VIGIL_APP_ID_PREFIX>-aggregator``)."""
    return f"{app_id_prefix}-aggregator-{table_name(name)}-changelog"


def decode_clock(raw: bytes) -> Clock:
    data = json.loads(raw)
    data.pop("p", None)
    return Clock.from_json(data)


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


class _ReportsRecord(BaseModel):
    """An incident record as ``encode_reports`` writes it, validated from its JSON in one
    call (no ``json.loads`` first: a third less time in a rebuild)."""

    p: int
    r: dict[str, ClassifiedIncident]


def decode_reports(raw: bytes, interner: Interner | None = None) -> tuple[int, Reports]:
    """``encode_reports``'s record: (partition, reports); with ``interner`` the reports'
    repeated parts are shared (see ``compact``)."""
    data = _ReportsRecord.model_validate_json(raw)
    reports = data.r
    if interner is not None:
        # the sources' keys held once (as the ids in ``compact``), not once per incident
        reports = {intern(source): interner.compact(r) for source, r in reports.items()}
    return data.p, reports


def _outbox_key(alert: Alert) -> bytes:
    return f"{alert.fingerprint}#{alert.seq}".encode()


def scoped(key: Key) -> bytes:
    """``SYR/i-17``: a table key scoped by country (always three letters)."""
    return f"{key[0]}/{key[1]}".encode()


def unscoped(raw: bytes) -> Key:
    """(country, id) of a scoped key; both interned (``sys.intern``): an id is held by
    several tables of the engine, by the linker and by its reports' models, and the ones
    decoded from these keys and from the records are then one string each."""
    text = raw.decode()
    return intern(text[:3]), intern(text[4:])


def encode_id(partition: int, entry: IdEntry) -> bytes:
    """``{"p":0,"d":"<digest>","at":<position>,"i":<incident>,"o":<offset>}`` (written
    by hand: one per report, so json.dumps would show in the profile)."""
    return (
        f'{{"p":{partition},"d":"{entry.digest}","at":{entry.position!r},'
        f'"i":{json.dumps(entry.incident_id)},"o":{entry.origin}}}'
    ).encode()


_ID_RECORD = re.compile(
    rb'\{"p":(\d+),"d":"([0-9a-f]*)","at":([^,]+),"i":"([^"\\]*)","o":(-?\d+)\}'
)
"""``encode_id``'s record whose incident id needs no JSON escape (ids are plain ASCII
identifiers): read without ``json.loads`` (a third faster; 150k of them in a rebuild)."""


def link_key(country: str, key: Pair) -> bytes:
    """``SYR/a|b``: the links table's key, as the links topic's."""
    return f"{country}/{key[0]}|{key[1]}".encode()


def encode_decision(partition: int, decision: Decision) -> bytes:
    return _dump(
        {
            "p": partition,
            "pair": list(decision.pair),
            "link": decision.link,
            "at": decision.decided_at,
            "by": decision.analyst,
            "why": decision.reason,
        }
    )


def decode_decision(raw: bytes) -> tuple[int, Decision]:
    data = json.loads(raw)
    a, b = (str(x) for x in data["pair"])
    return int(data["p"]), Decision(
        pair(a, b), bool(data["link"]), float(data["at"]), str(data["by"]), data["why"] or ""
    )


def decode_id(raw: bytes) -> tuple[int, IdEntry]:
    match = _ID_RECORD.fullmatch(raw)
    if match is not None:
        p, digest, at, incident, origin = match.groups()
        return int(p), IdEntry(digest.decode(), float(at), intern(incident.decode()), int(origin))
    data = json.loads(raw)
    entry = IdEntry(str(data["d"]), float(data["at"]), intern(str(data["i"])), int(data["o"]))
    return int(data["p"]), entry


class StateTables:
    """The aggregator's tables: Faust tables in the service, ``DictStore`` in tests."""

    def __init__(
        self,
        incidents: Store,
        summaries: Store,
        alerts: Store,
        clocks: Store,
        outbox: Store,
        ids: Store,
        links: Store,
    ) -> None:
        self.incidents = incidents
        self.summaries = summaries
        self.alerts = alerts
        self.clocks = clocks
        self.outbox = outbox
        self.ids = ids
        self.links = links
        self._json: dict[bytes, dict[str, str]] = {}  # incident key -> report id -> JSON
        self.interner = Interner()
        """Shares the repeated parts of the reports the engines hold (``compact``)."""
        self._outbox_partition: dict[bytes, int] = {}

    @classmethod
    def in_memory(cls) -> StateTables:
        return cls(*(DictStore() for _ in TABLES))

    def stores(self) -> dict[str, Store]:
        return {name: getattr(self, name) for name in TABLES}

    def persist(
        self,
        partition: int,
        effects: Effects,
        arrived: Mapping[Key, str] = {},
        encoded: Sequence[str] | None = None,
    ) -> None:
        """Write what ``effects`` changed (one input's, or a batch's folded together);
        ``arrived`` maps (country, report id) to the JSON text it came in, ``encoded``
        holds the transitions' JSON (so neither is serialised again)."""
        # The outbox first: of everything this input writes, it matters most after a crash.
        # One record per transition, so a write never reads or rewrites earlier ones.
        transitions = effects.transitions
        outgoing = encoded if encoded is not None else [a.model_dump_json() for a in transitions]
        for alert, alert_json in zip(transitions, outgoing, strict=True):
            key = _outbox_key(alert)
            self.outbox.put(partition, key, _dump({"p": partition, "a": alert_json}))
            self._outbox_partition[key] = partition
        for (country, incident_id), reports in effects.incidents.items():
            key = scoped((country, incident_id))
            if reports is None:
                self._json.pop(key, None)
                if key in self.incidents:
                    self.incidents.delete(partition, key)
            else:
                cached = self._json.get(key, {})
                texts = {}
                for r in reports.values():
                    rid = r.report.report_id
                    text = arrived.get((country, rid)) or cached.get(rid)
                    if text is not None:
                        texts[rid] = text
                self.incidents.put(partition, key, encode_reports(partition, reports, texts))
                self._json[key] = texts
        for (country, incident_id), reports in effects.summaries.items():
            texts = {
                r.report.report_id: text
                for r in reports.values()
                if (text := arrived.get((country, r.report.report_id))) is not None
            }
            self.summaries.put(
                partition, scoped((country, incident_id)), encode_reports(partition, reports, texts)
            )
        for key_pair, entry in effects.ids.items():
            key = scoped(key_pair)
            if entry is None:
                if key in self.ids:
                    self.ids.delete(partition, key)
            else:
                self.ids.put(partition, key, encode_id(partition, entry))
        for (country, key_pair), decision in effects.decisions.items():
            key = link_key(country, key_pair)
            if decision is None:
                if key in self.links:
                    self.links.delete(partition, key)
            else:
                self.links.put(partition, key, encode_decision(partition, decision))
        for fp, state in effects.alerts.items():
            self.alerts.put(partition, fp.encode(), _dump({"p": partition, "s": state.to_json()}))
        for country, clock in effects.clocks.items():
            self.clocks.put(partition, country.encode(), _dump({"p": partition, **clock.to_json()}))

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

    def _mine(self, store: Store, partition: int) -> Iterable[tuple[Key, int, Reports]]:
        for key, raw in list(store.items()):  # a snapshot: rebuilt in a thread
            if raw.startswith(b'{"p":') and not raw.startswith(b'{"p":%d,' % partition):
                continue  # another partition's record: not decoded
            p, reports = decode_reports(raw, self.interner)
            if p == partition:
                yield unscoped(key), p, reports

    def rebuild(self, partition: int, config: EngineConfig) -> tuple[Countries, list[Alert]]:
        """The countries of ``partition`` from the tables, and the alerts still undelivered."""
        countries = Countries(config)
        incidents = [(c, i, r) for (c, i), _, r in self._mine(self.incidents, partition)]
        summaries = [(c, i, r) for (c, i), _, r in self._mine(self.summaries, partition)]
        states = []
        for raw in list(self.alerts.values()):
            data = json.loads(raw)
            if data["p"] == partition:
                states.append(AlertState.from_json(data["s"]))
        clocks = []
        for key, raw in list(self.clocks.items()):
            if json.loads(raw).get("p") == partition:
                clocks.append((key.decode(), decode_clock(raw)))
        ids = []
        for key, raw in list(self.ids.items()):
            p, entry = decode_id(raw)
            if p == partition:
                country, report_id = unscoped(key)
                ids.append((country, report_id, entry))
        decisions = []
        for key, raw in list(self.links.items()):
            p, decision = decode_decision(raw)
            if p == partition:
                decisions.append((key.decode()[:3], decision))
        countries.restore(incidents, states, clocks, summaries, ids, decisions)
        undelivered = []
        for raw in list(self.outbox.values()):
            data = json.loads(raw)
            if data["p"] == partition:
                undelivered.append(Alert.model_validate_json(data["a"]))
        undelivered.sort(key=lambda a: (a.fingerprint, a.seq))
        return countries, undelivered

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
