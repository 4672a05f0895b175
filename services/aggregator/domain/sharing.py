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


def _plain(value: object) -> bool:
    """Whether ``value`` is made of plain immutable values only (see the module)."""
    if isinstance(value, _SCALARS):
        return type(value) in _SCALARS  # not a subclass with its own equality or repr
    if type(value) in (tuple, frozenset):
        return all(_plain(item) for item in value)  # type: ignore[attr-defined]
    if type(value) is dict:
        return all(_plain(k) and _plain(v) for k, v in value.items())
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        params = getattr(type(value), "__dataclass_params__", None)
        return bool(getattr(params, "frozen", False)) and all(
            _plain(getattr(value, f.name)) for f in dataclasses.fields(value)
        )
    return False


class Parts:
    """The shared instances of one engine's derived parts."""

    def __init__(self) -> None:
        self._kept: dict[object, Any] = {}
        """A string under itself, any other plain value under (its type, its repr)."""

    def __len__(self) -> int:
        return len(self._kept)

    def share(self, value: T) -> T:
        """The instance kept for a value equal to ``value`` (``value`` itself the first
        time, or when it is not plain: then it is returned as it is)."""
        key: object
        if type(value) is str:
            key = value
        elif _plain(value):
            key = (type(value), repr(value))
        else:
            return value
        kept = self._kept.get(key)
        if kept is None:
            if len(self._kept) >= MAX_SHARED:
                self._kept.clear()
            self._kept[key] = kept = value
        return cast(T, kept)  # equal, and of the same type (part of the key)

    def fields(self, value: T, keep: tuple[str, ...] = ()) -> T:
        """A dataclass with each field shared but those named in ``keep`` (values unique
        to it: sharing them would only fill the table); ``value`` itself if none changed."""
        if not dataclasses.is_dataclass(value) or isinstance(value, type):
            return value
        changes = {}
        for f in dataclasses.fields(value):
            if f.name in keep or not f.init:
                continue
            part = getattr(value, f.name)
            shared = self.share(part)
            if shared is not part:
                changes[f.name] = shared
        return cast(T, dataclasses.replace(value, **changes)) if changes else value
