"""Equal immutable parts held once: what the engine derives per incident repeats a lot.

Per incident the engine keeps its view (the groups it counts in, its values per key) and
hands the linker a ``Subject`` (its feeds, place names and their keys, figures, tolls,
event types, sources, perpetrators). Built afresh for every incident, each of those is
its own set, tuple or dict (2 to 3 KB per incident, more than the reports themselves),
though most of them equal another incident's: a few dozen feeds and sources, a few
thousand places and tolls. ``Parts.share`` returns the one instance of each value kept
here instead of the new one.

It is safe because only *plain* values are shared: strings, numbers, ``None``, tuples
and frozensets of plain values, dicts of plain keys and values that nothing changes once
built (an ``IncidentView``'s, a ``Subject``'s), and frozen dataclasses of plain fields.
Two of them are taken as equal when their ``repr`` is (for such values it names the
type of every number, so ``1``, ``1.0`` and ``True`` are never confused; equal sets
whose elements print in another order are just not shared). A shared part equals the part
it replaces, so every read, comparison and hash gives what it gave before.
"""

from __future__ import annotations

import dataclasses
from typing import Any, TypeVar, cast

T = TypeVar("T")

MAX_SHARED = 100_000
"""Distinct parts kept; past it the table starts again (only sharing is lost, never a
value): at most ~20 MB whatever the input."""

_SCALARS = (str, int, float, bool, type(None))
_FIELDS: dict[type, tuple[str, ...] | None] = {}
"""A type's init fields if it is a frozen dataclass (else None), looked up once."""


def _fields_of(cls: type) -> tuple[str, ...] | None:
    """A frozen dataclass type's init fields, else None (kept in ``_FIELDS``)."""
    if cls not in _FIELDS:
        params = getattr(cls, "__dataclass_params__", None)
        if dataclasses.is_dataclass(cls) and getattr(params, "frozen", False):
            _FIELDS[cls] = tuple(f.name for f in dataclasses.fields(cls) if f.init)
        else:
            _FIELDS[cls] = None
    return _FIELDS[cls]


def _plain(value: object) -> bool:
    """Whether ``value`` is made of plain immutable values only (see the module)."""
    kind = type(value)
    if kind in _SCALARS:  # not a subclass with its own equality or repr
        return True
    if kind is tuple or kind is frozenset:
        return all(_plain(item) for item in value)  # type: ignore[attr-defined]
    if kind is dict:
        return all(_plain(k) and _plain(v) for k, v in value.items())  # type: ignore[attr-defined]
    names = _FIELDS[kind] if kind in _FIELDS else _fields_of(kind)
    return names is not None and all(_plain(getattr(value, name)) for name in names)


class Parts:
    """The shared instances of one engine's derived parts."""

    def __init__(self) -> None:
        self._kept: dict[object, Any] = {}
        """A string under itself, a tuple or frozenset of strings under (its type, it),
        any other plain container under (its type, its repr)."""

    def __len__(self) -> int:
        return len(self._kept)

    def share(self, value: T) -> T:
        """The instance kept for a value equal to ``value`` (``value`` itself the first
        time, or when it is a number, ``None`` or not plain: then it is returned as it
        is)."""
        kind = type(value)
        key: object
        if kind is str:
            key = value
        elif kind is tuple or kind is frozenset:
            if all(type(item) is str for item in value):  # type: ignore[attr-defined]
                key = (kind, value)  # strings are equal only to strings: no repr needed
            elif _plain(value):
                key = (kind, repr(value))
            else:
                return value
        elif kind in _SCALARS:
            return value  # a number or None: nothing to gain
        elif _plain(value):  # a dict, a frozen dataclass
            key = (kind, repr(value))
        else:
            return value
        kept = self._kept.get(key)
        if kept is None:
            if len(self._kept) >= MAX_SHARED:
                self._kept.clear()
            self._kept[key] = kept = value
        return cast(T, kept)  # equal, and of the same type (part of the key)

    def fields(self, value: T, keep: tuple[str, ...] = ()) -> T:
        """``value``, a frozen dataclass just built (held by nothing else yet), with each
        field shared but those named in ``keep`` (values unique to it: sharing them
        would only fill the table). The fields are set in place (``object.__setattr__``,
        as a frozen dataclass's own ``__init__`` does): the value stays equal."""
        names = _fields_of(type(value))
        if names is None:
            return value
        for name in names:
            if name in keep:
                continue
            part = getattr(value, name)
            shared = self.share(part)
            if shared is not part:
                object.__setattr__(value, name, shared)
        return value
