"""Deterministic IncidentReport streams for the benchmark (``scripts/bench.py``).

``realistic_stream`` mimics a monitoring desk's feed over the 14 Syrian governorates:
event times advance over ``days`` of event time in mostly increasing order with some
late reports, several sources with their own spellings of the governorates, revisions
(same incident_id and source, later reported_at, usually a higher toll), second sources
of an incident, resent duplicates (the very same bytes again), period summaries and
cross-feed duplicates: an incident told again by another feed (``feed: bench-wire``) under
an incident_id of its own, its place sometimes respelt and its toll sometimes off by one,
which the aggregator's linker (policy ``auto`` by default) has to find. Places are drawn
from ~1,000 made-up village names per governorate, so unrelated incidents share a place
name and a day often enough to keep the linker's blocking and scoring busy.

``latency_stream`` is a realistic stream in which every ``every``-th report is *designed*
to fire the benchmark's latency rule at once: it alone takes a fresh admin2 group to the
rule's threshold, so each designed report causes exactly one "fired" alert whose group
key is known in advance.
"""

from __future__ import annotations

import random
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from itertools import accumulate
from pathlib import Path
from typing import Generic, TypeVar

import yaml

from schemas.reports import (
    Casualties,
    EventType,
    Figure,
    IncidentReport,
    Location,
    Precision,
    ReportKind,
    Source,
    SourceKind,
    Verification,
)
from services.common.gazetteer import DATA_DIR
from services.common.publisher import encode_report, report_key

T = TypeVar("T")
START = datetime(2024, 11, 1, tzinfo=UTC)
LATENCY_RULE = "bench_latency"
LATENCY_THRESHOLD = 10
LATENCY_RULE_YAML = f"""
  - name: {LATENCY_RULE}
    description: Benchmark only; every designed report takes a fresh group to the threshold.
    measure: children_killed
    window: 1h
    group_by: [country, admin1, admin2]
    levels:
      - {{name: critical, threshold: {LATENCY_THRESHOLD}}}
"""
# Share of each governorate in the feed (north-west and north heaviest, as in 2024 data).
WEIGHTS = {
    "Idlib": 30, "Aleppo": 20, "Hama": 8, "Deir ez-Zor": 8, "Daraa": 7, "Rif Dimashq": 5,
    "Al-Hasakah": 5, "Ar-Raqqa": 5, "Homs": 4, "Latakia": 3, "Damascus": 2, "As-Suwayda": 1,
    "Quneitra": 1, "Tartus": 1,
}  # fmt: skip
SOURCES = (
    ("White Helmets", SourceKind.NGO, 5),
    ("Syrian Observatory for Human Rights", SourceKind.MONITOR, 6),
    ("Syrian Network for Human Rights", SourceKind.NGO, 3),
    ("Reuters", SourceKind.MEDIA, 2),
    ("AFP", SourceKind.MEDIA, 2),
    ("SANA", SourceKind.GOVERNMENT, 1),
    ("Local witness", SourceKind.WITNESS, 1),
)
EVENTS = (
    (EventType.AIR_STRIKE, 5), (EventType.SHELLING, 5), (EventType.DRONE_STRIKE, 3),
    (EventType.ARMED_CLASH, 4), (EventType.EXPLOSION, 2), (EventType.ATTACK_ON_CIVILIANS, 1),
    (EventType.TERRITORIAL_CHANGE, 1), (EventType.DISPLACEMENT, 1),
)  # fmt: skip
PERPETRATORS = ("Syrian government", "Russia", "HTS", "SDF", "Turkey", "ISIS", "unknown")
_FIRST = ("Kafr", "Tal", "Ain", "Deir", "Khan", "Jisr", "Maarat", "Beit", "Umm", "Bab", "Qasr")
_SECOND = (
    "Nabl", "Hamra", "Issa", "Hafer", "Sheikh", "Shughur", "Numan", "Jinn", "Batna", "Salam",
    "Zita", "Tamr", "Abyad", "Sabil", "Hawa", "Karim", "Laya", "Rumman", "Sin", "Takharim",
    "Ward", "Ruha", "Aswad", "Qamar", "Nour", "Jabal", "Zeit", "Hajar", "Kabir", "Saghir",
    "Wadi", "Sultan", "Janna", "Nahr", "Sahl", "Burj", "Tuffah", "Asal", "Shams", "Ghazal",
    "Fadl", "Raml", "Matar", "Shouk", "Bayda", "Safa", "Hilal", "Baraka", "Tin", "Fayrouz",
    "Mina", "Dahab", "Samra", "Qaws", "Najm", "Rabia", "Bustan", "Sharq", "Gharb", "Khair",
    "Nasr", "Sabah", "Masa", "Lail", "Huda", "Naim", "Salih", "Riyad", "Yasmin", "Ward Ahmar",
    "Zahra", "Layla", "Amal", "Warda", "Shajara", "Hasan", "Ali", "Omar", "Mahmud", "Yusuf",
    "Khalil", "Sami", "Rami", "Adel", "Farid",
)  # fmt: skip
PLACES = tuple(f"{a} {b}" for a in _FIRST for b in _SECOND)
"""Made-up village names (935): the place of every generated incident."""
CROSS_FEED = "bench-wire"


@dataclass(frozen=True)
class Mix:
    """Shares of the kinds of record in a stream (the rest are new incidents)."""

    revision: float = 0.10
    second_source: float = 0.07
    duplicate: float = 0.04
    summary: float = 0.02
    cross_feed: float = 0.05
    """An incident told again by another feed, with an incident_id of its own."""
    late: float = 0.08
    """Share of new incidents reported 1-72 h after the stream's current event time."""


@dataclass(frozen=True)
class Record:
    key: bytes
    value: bytes
    report_id: str
    designed_group: str | None = None
    """For a designed latency report: the group key its alert will carry."""


def spellings() -> dict[str, list[str]]:
    """Canonical governorate -> its spellings (canonical first), from the gazetteer file."""
    data = yaml.safe_load((Path(DATA_DIR) / "SYR.yaml").read_text(encoding="utf-8"))
    return {str(k): [str(k), *(str(a) for a in v or [])] for k, v in data["admin1"].items()}


class _Table(Generic[T]):
    """Weighted choice with the cumulative weights computed once."""

    def __init__(self, table: Iterable[tuple[T, int]]) -> None:
        rows = list(table)
        self.items = [t[0] for t in rows]
        self.cum = list(accumulate(t[1] for t in rows))

    def pick(self, rng: random.Random) -> T:
        return rng.choices(self.items, cum_weights=self.cum)[0]


def _toll(rng: random.Random, scale: float) -> int:
    return min(500, int(rng.expovariate(1 / scale)))


def _figure(rng: random.Random, n: int) -> Figure:
    roll = rng.random()
    if roll < 0.55:
        return Figure.exact(n)
    if roll < 0.8:
        return Figure.at_least(n)
    if roll < 0.92:
        return Figure.about(n)
    return Figure.between(n, n + rng.randint(1, 5))


class _Generator:
    def __init__(self, seed: int, n: int, days: float, mix: Mix) -> None:
        self.rng = random.Random(seed)
        self.n, self.span, self.mix = n, days * 86400, mix
        self.names = spellings()
        self.regions = [r for r in WEIGHTS if r in self.names]
        self.region_table = _Table(tuple((r, WEIGHTS[r]) for r in self.regions))
        self.sources = _Table(tuple((s[:2], s[2]) for s in SOURCES))
        self.events = _Table(EVENTS)
        self.precisions = _Table(tuple(zip(Precision, (5, 3, 2), strict=True)))
        self.verifications = _Table(tuple(zip(Verification, (2, 12, 3, 1), strict=True)))
        self.recent: list[IncidentReport] = []  # window of recent reports to revise/duplicate
        self.records: list[Record] = []
        self.incidents = 0

    def now(self, i: int) -> datetime:
        return START + timedelta(seconds=self.span * i / max(1, self.n))

    def emit(self, report: IncidentReport, designed: str | None = None) -> None:
        value = encode_report(report)
        self.records.append(Record(report_key(report), value, report.report_id, designed))
        if report.kind is ReportKind.INCIDENT and designed is None:  # probes stay apart
            self.recent.append(report)
            if len(self.recent) > 500:
                del self.recent[:250]

    def new_incident(self, i: int, late: bool, kind: ReportKind) -> IncidentReport:
        rng = self.rng
        self.incidents += 1
        source, source_kind = self.sources.pick(rng)
        region = str(self.region_table.pick(rng))
        spelling = rng.choice(self.names[region]) if rng.random() < 0.4 else region
        lag = rng.uniform(3600, 72 * 3600) if late else rng.expovariate(1 / 1800)
        occurred = self.now(i) - timedelta(seconds=lag)
        precision = self.precisions.pick(rng)
        killed = _toll(rng, 4) if rng.random() < 0.75 else None
        children = min(killed, _toll(rng, 1.5)) if killed and rng.random() < 0.35 else None
        period = None
        if kind is ReportKind.SUMMARY:
            period = occurred - timedelta(days=rng.randint(3, 14))
            killed = 20 + _toll(rng, 60)
        return IncidentReport(
            report_id=f"bench-r{i}",
            incident_id=f"bench-i{self.incidents}",
            source=Source(name=source, kind=source_kind),
            reported_at=occurred + timedelta(seconds=rng.uniform(600, 6 * 3600)),
            occurred_at=occurred,
            occurred_precision=precision,
            period_start=period,
            location=Location(country="SYR", admin1=spelling, place=rng.choice(PLACES)),
            event_type=self.events.pick(rng),
            alleged_perpetrators=rng.sample(PERPETRATORS, rng.randint(0, 2)),
            casualties=Casualties(
                killed=None if killed is None else _figure(rng, killed),
                children_killed=None if children is None else _figure(rng, children),
                injured=_figure(rng, _toll(rng, 6)) if rng.random() < 0.4 else None,
            ),
            verification=self.verifications.pick(rng),
            kind=kind,
            text="Cumulative toll since the start of the offensive." if period else None,
        )

    def follow_up(self, i: int, second_source: bool) -> IncidentReport:
        """A revision (same source, later, usually higher) or another source's account."""
        rng = self.rng
        base = rng.choice(self.recent)
        killed = base.casualties.killed
        new = (killed.pick("low") if killed else 0) + rng.randint(-1, 6)
        source = base.source
        if second_source:
            name, kind = self.sources.pick(rng)
            source = Source(name=name, kind=kind)
        return base.model_copy(
            update={
                "report_id": f"bench-r{i}",
                "source": source,
                "reported_at": base.reported_at + timedelta(seconds=rng.uniform(600, 86400)),
                "casualties": base.casualties.model_copy(
                    update={"killed": Figure.at_least(max(0, new))}
                ),
            }
        )

    def cross_feed(self, i: int) -> IncidentReport:
        """A recent incident told again by another feed under its own incident_id: the
        same place (sometimes respelt) and day, the toll sometimes one off."""
        rng = self.rng
        base = rng.choice(self.recent)
        place = base.location.place or ""
        if place and rng.random() < 0.3:  # a respelling: one letter doubled
            at = rng.randrange(1, len(place))
            place = place[:at] + place[at - 1] + place[at:]
        killed = base.casualties.killed
        if killed is not None and rng.random() < 0.3:
            killed = Figure.exact(max(0, killed.pick("low") + rng.choice((-1, 1))))
        name, kind = self.sources.pick(rng)
        return base.model_copy(
            update={
                "report_id": f"bench-r{i}",
                "incident_id": f"bench-x{i}",
                "feed": CROSS_FEED,
                "source": Source(name=name, kind=kind),
                "reported_at": base.reported_at + timedelta(seconds=rng.uniform(600, 86400)),
                "location": base.location.model_copy(update={"place": place}),
                "casualties": base.casualties.model_copy(update={"killed": killed}),
            }
        )

    def one(self, i: int) -> None:
        roll, mix = self.rng.random(), self.mix
        if self.recent and roll < mix.duplicate:
            start = max(0, len(self.records) - 200)
            again = self.records[self.rng.randrange(start, len(self.records))]
            self.records.append(replace(again, designed_group=None))  # the same bytes again
        elif self.recent and roll < mix.duplicate + mix.revision:
            self.emit(self.follow_up(i, second_source=False))
        elif self.recent and roll < mix.duplicate + mix.revision + mix.second_source:
            self.emit(self.follow_up(i, second_source=True))
        elif roll < mix.duplicate + mix.revision + mix.second_source + mix.summary:
            self.emit(self.new_incident(i, False, ReportKind.SUMMARY))
        elif self.recent and roll < (
            mix.duplicate + mix.revision + mix.second_source + mix.summary + mix.cross_feed
        ):
            self.emit(self.cross_feed(i))
        else:
            late = self.rng.random() < mix.late
            self.emit(self.new_incident(i, late, ReportKind.INCIDENT))


def realistic_stream(n: int, seed: int = 7, days: float = 60.0, mix: Mix = Mix()) -> list[Record]:
    """``n`` encoded records (key, value) in publishing order."""
    gen = _Generator(seed, n, days, mix)
    for i in range(n):
        gen.one(i)
    return gen.records


PROBE_FEED = "bench-probe"
PROBE_SOURCE = "Bench latency probe"
PROBE_PLACE = "Latency probe"
"""The designed reports' own feed, source and place (a name no gazetteer knows): no other
report shares a place, a source or coordinates with them, so the linker never joins a
probe to another incident (which would move it out of its fresh group: the alert
measured would then not fire), while it still files, indexes and searches each one."""


def latency_stream(n: int, every: int, seed: int = 11, days: float = 6.0) -> list[Record]:
    """A realistic stream of ``n`` records where every ``every``-th one is designed to fire
    the latency rule at once (one new admin2 group, children killed = the threshold, dated
    after every earlier report so it is the newest event and never late; see
    ``PROBE_FEED``)."""
    gen = _Generator(seed, n, days, Mix())
    newest = START
    for i in range(n):
        if i % every == every - 1:
            newest += timedelta(seconds=1)
            group = f"Bench-{i}"
            report = IncidentReport(
                report_id=f"lat-r{i}",
                incident_id=f"lat-i{i}",
                feed=PROBE_FEED,
                source=Source(name=PROBE_SOURCE, kind=SourceKind.OTHER),
                reported_at=newest + timedelta(minutes=30),
                occurred_at=newest,
                occurred_precision=Precision.EXACT,
                location=Location(country="SYR", admin1="Idleb", admin2=group, place=PROBE_PLACE),
                event_type=EventType.AIR_STRIKE,
                casualties=Casualties(children_killed=Figure.at_least(LATENCY_THRESHOLD)),
            )
            gen.emit(report, designed=f"SYR/Idlib/{group}")
            continue
        gen.one(i)
        last = IncidentReport.model_validate_json(gen.records[-1].value)
        newest = max(newest, last.occurred_at)
    return gen.records


def latency_rules(default_rules: Path) -> str:
    """The default rules plus the benchmark's latency rule (YAML text)."""
    return default_rules.read_text(encoding="utf-8").rstrip("\n") + "\n" + LATENCY_RULE_YAML


def warmup_record(tag: str) -> Record:
    """One valid report with ids of its own: sent before timing so the workers have joined
    their groups and warmed up (it shares no id with the measured stream)."""
    report = IncidentReport(
        report_id=f"warmup-{tag}",
        incident_id=f"warmup-{tag}",
        source=Source(name="Bench", kind=SourceKind.OTHER),
        reported_at=START,
        occurred_at=START - timedelta(days=1),
        location=Location(country="SYR", admin1="Idlib"),
    )
    return Record(report_key(report), encode_report(report), report.report_id)
