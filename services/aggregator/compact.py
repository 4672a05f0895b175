"""Classified incidents that are cheap to hold: the engines keep every report of every
incident in their window (and the lateness) as a ``ClassifiedIncident``, so what one
costs in memory is what the aggregator's state costs.

A validated pydantic model holds its own ``__dict__`` and a set of the fields it was
given (``__pydantic_fields_set__``: 200 to 700 bytes per model, of nine models per
report), though most of what a report holds repeats across reports: its source, its
region, its figures, its location, the classifier's reasons. ``Interner.compact``
replaces every such part of a decoded report by one shared instance of equal value, and
every field set by one shared set of equal content, which brings a report from ~5.7 KB
to ~1.3 KB (measured with ``tracemalloc`` on the benchmark's stream).

It is safe because the models are frozen (``frozen=True``: an assignment raises) and
Vigil never changes a model's lists in place: a shared part equals the part it replaces,
so every read, comparison, hash and serialisation gives what it gave before
(``tests/unit/test_compact.py``). Pydantic copies a field set before it changes one
(``model_copy``), so a shared one is never written to.
"""

from __future__ import annotations

from typing import Any, TypeVar

from pydantic import BaseModel

from schemas.incidents import ClassifiedIncident
from schemas.reports import Casualties, IncidentReport

M = TypeVar("M", bound=BaseModel)

MAX_SHARED = 200_000
"""Distinct values kept per cache; past it the cache starts again (bounded memory whatever
the input: only sharing is lost, never correctness)."""


def _set(model: BaseModel, name: str, value: Any) -> None:
    object.__setattr__(model, name, value)  # frozen models: the value is equal, only shared


class Interner:
    """Shares equal parts of the classified incidents it compacts (one per aggregator)."""

    def __init__(self) -> None:
        self._models: dict[tuple[Any, ...], BaseModel] = {}
        self._fields: dict[frozenset[str], set[str]] = {}
        self._lists: dict[tuple[str, ...], list[str]] = {}

    def _shared(self, model: M) -> M:
        """The shared instance equal to ``model`` and given the same fields (a model of
        scalar fields and of parts already shared: those compared by identity)."""
        key = (
            type(model),
            frozenset(model.__pydantic_fields_set__),
            *[id(v) if isinstance(v, BaseModel) else v for v in model.__dict__.values()],
        )
        found = self._models.get(key)
        if found is None:
            self._share_fields(model)
            self._models[key] = model
            return model
        return found  # type: ignore[return-value]  # same type: part of the key

    def _share_fields(self, model: BaseModel) -> None:
        fields = model.__pydantic_fields_set__
        key = frozenset(fields)
        shared = self._fields.get(key)
        if shared is None:
            shared = self._fields[key] = set(key)
        if fields is not shared:
            _set(model, "__pydantic_fields_set__", shared)

    def _list(self, items: list[str]) -> list[str]:
        key = tuple(items)
        shared = self._lists.get(key)
        if shared is None:
            shared = self._lists[key] = items
        return shared

    def _casualties(self, casualties: Casualties) -> Casualties:
        for name, figure in list(casualties.__dict__.items()):
            if figure is not None:
                _set(casualties, name, self._shared(figure))
        return self._shared(casualties)

    def _report(self, report: IncidentReport) -> IncidentReport:
        self._share_fields(report)
        _set(report, "source", self._shared(report.source))
        _set(report, "location", self._shared(report.location))
        _set(report, "casualties", self._casualties(report.casualties))
        _set(report, "alleged_perpetrators", self._list(report.alleged_perpetrators))
        return report

    def compact(self, incident: ClassifiedIncident) -> ClassifiedIncident:
        """``incident`` with its repeated parts shared (changed in place and returned)."""
        if len(self._models) + len(self._lists) >= MAX_SHARED:
            # start again (all at once: keys name shared parts by identity, which only
            # their being kept here makes unique); only sharing is lost, never a value
            self._models.clear()
            self._lists.clear()
        self._share_fields(incident)
        self._report(incident.report)
        _set(incident, "region", self._shared(incident.region))
        _set(incident, "reasons", self._list(incident.reasons))
        return incident
