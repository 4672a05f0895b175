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

from sys import intern
from typing import Any, TypeVar

from pydantic import BaseModel

from schemas.incidents import ClassifiedIncident

M = TypeVar("M", bound=BaseModel)

MAX_SHARED = 50_000
"""Distinct parts kept; past it the caches start again: at most ~10 MB whatever the input
(a feed whose every location is new shares nothing there), and only sharing is lost,
never a value."""


class Interner:
    """Shares equal parts of the classified incidents it compacts (one per aggregator)."""

    def __init__(self) -> None:
        self._models: dict[tuple[Any, ...], BaseModel] = {}
        self._fields: dict[frozenset[str], set[str]] = {}
        self._lists: dict[tuple[str, ...], list[str]] = {}

    def _shared(self, model: M, nested: bool = False) -> M:
        """The shared instance equal to ``model`` and given the same fields: a model of
        scalar fields, or (``nested``) of parts already shared, compared by identity."""
        fields = self._fields_like(model)
        values = model.__dict__.values()
        # field sets are kept in ``_fields`` for good, shared parts here: ids not reused
        key = (model.__class__, id(fields), *(map(id, values) if nested else values))
        found = self._models.get(key)
        if found is None:
            object.__setattr__(model, "__pydantic_fields_set__", fields)
            self._models[key] = model
            return model
        return found  # type: ignore[return-value]  # same type: part of the key

    def _fields_like(self, model: BaseModel) -> set[str]:
        """The shared field set equal to ``model``'s."""
        key = frozenset(model.__pydantic_fields_set__)
        shared = self._fields.get(key)
        if shared is None:
            shared = self._fields[key] = set(key)
        return shared

    def _share_fields(self, model: BaseModel) -> None:
        object.__setattr__(model, "__pydantic_fields_set__", self._fields_like(model))

    def _list(self, items: list[str]) -> list[str]:
        key = tuple(items)
        shared = self._lists.get(key)
        if shared is None:
            shared = self._lists[key] = items
        return shared

    def compact(self, incident: ClassifiedIncident) -> ClassifiedIncident:
        """``incident`` with its repeated parts shared (changed in place and returned).
        The parts are written straight into the models' ``__dict__`` (where pydantic keeps
        field values): the frozen models refuse assignment, and the value is equal."""
        if len(self._models) + len(self._lists) >= MAX_SHARED:
            # start again (all at once: keys name shared parts by identity, which only
            # their being kept here makes unique); only sharing is lost, never a value
            self._models.clear()
            self._lists.clear()
        shared = self._shared
        self._share_fields(incident)
        report = incident.report
        self._share_fields(report)
        fields = report.__dict__
        # the ids as the one string the engine's tables, the linker and the id entries
        # hold (``state.unscoped``): interned, they die with their last holder
        fields["report_id"] = intern(fields["report_id"])
        fields["incident_id"] = intern(fields["incident_id"])
        fields["source"] = shared(fields["source"])
        fields["location"] = shared(fields["location"])
        casualties = fields["casualties"]
        figures = casualties.__dict__
        for name, figure in figures.items():
            if figure is not None:
                figures[name] = shared(figure)
        fields["casualties"] = shared(casualties, nested=True)
        fields["alleged_perpetrators"] = self._list(fields["alleged_perpetrators"])
        top = incident.__dict__
        top["region"] = shared(top["region"])
        top["reasons"] = self._list(top["reasons"])
        return incident
